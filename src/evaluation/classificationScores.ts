/** Scores of one classifier on labelled examples; labels below 0 are unknown and skipped. */
export interface ClassificationScores {
  count: number;
  accuracy: number;
  balancedAccuracy: number;
  macroF1: number;
  /** confusion[truth][predicted] */
  confusion: number[][];
  /** Classes present in the truth, the ones the averages run over. */
  presentClasses: number[];
}

export function confusionMatrix(
  truth: ArrayLike<number>,
  predicted: ArrayLike<number>,
  classes: number,
): number[][] {
  const matrix = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < truth.length; i += 1) {
    const t = truth[i]!;
    if (t < 0) continue;
    matrix[t]![predicted[i]!]! += 1;
  }
  return matrix;
}

/**
 * Accuracy, balanced accuracy (mean recall over classes present in the truth) and
 * macro-F1 (over the same classes, so that a class absent from a split neither
 * helps nor hurts).
 */
export function scoreClassification(
  truth: ArrayLike<number>,
  predicted: ArrayLike<number>,
  classes: number,
): ClassificationScores {
  const confusion = confusionMatrix(truth, predicted, classes);
  const present: number[] = [];
  let correct = 0;
  let count = 0;
  const recalls: number[] = [];
  const f1s: number[] = [];
  for (let c = 0; c < classes; c += 1) {
    const row = confusion[c]!;
    const support = row.reduce((a, b) => a + b, 0);
    count += support;
    correct += row[c]!;
    if (support === 0) continue;
    present.push(c);
    const predictedAs = confusion.reduce((sum, r) => sum + r[c]!, 0);
    const recall = row[c]! / support;
    const precision = predictedAs === 0 ? 0 : row[c]! / predictedAs;
    recalls.push(recall);
    f1s.push(precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall));
  }
  const mean = (values: number[]): number =>
    values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length;
  return {
    count,
    accuracy: count === 0 ? Number.NaN : correct / count,
    balancedAccuracy: mean(recalls),
    macroF1: mean(f1s),
    confusion,
    presentClasses: present,
  };
}

/** Index of the largest value in each row of a row-major [rows, classes] array. */
export function argmaxRows(values: ArrayLike<number>, classes: number): Int32Array {
  const rows = values.length / classes;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r += 1) {
    let best = 0;
    for (let c = 1; c < classes; c += 1) {
      if (values[r * classes + c]! > values[r * classes + best]!) best = c;
    }
    out[r] = best;
  }
  return out;
}

/**
 * A causal vote within each run: every row takes the class of the mean probabilities of
 * its run's rows up to and including itself. For a label that stays the same for a whole
 * run (the operation of a program), as a daemon could do from the program's first window.
 * `runs` gives each row's run; a run's rows must come in recorded order.
 */
export function causalRunVote(
  probabilities: ArrayLike<number>,
  runs: ArrayLike<number>,
  classes: number,
): Int32Array {
  const rows = probabilities.length / classes;
  if (runs.length !== rows) {
    throw new RangeError(`${runs.length} run ids for ${rows} rows of probabilities`);
  }
  const out = new Int32Array(rows);
  const sums = new Map<number, Float64Array>();
  for (let r = 0; r < rows; r += 1) {
    const run = runs[r]!;
    let sum = sums.get(run);
    if (sum === undefined) {
      sum = new Float64Array(classes);
      sums.set(run, sum);
    }
    let best = 0;
    for (let c = 0; c < classes; c += 1) {
      sum[c]! += probabilities[r * classes + c]!;
      if (sum[c]! > sum[best]!) best = c;
    }
    out[r] = best;
  }
  return out;
}
