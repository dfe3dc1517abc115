import { AdaptdError } from '../errors.js';
import { standardisePooled } from '../strategies/alignment/mmdStatistic.js';
import { seededRandom, shuffled } from '../util/random.js';
import { fitLogistic, logisticLogits } from './logisticRegression.js';

export interface DomainScoreOptions {
  folds?: number;
  /** Retrainings on shuffled domain labels for the null; 100 by default. */
  permutations?: number;
  /** The null quantile the AUROC must exceed to alarm; 0.95 by default. */
  alarmQuantile?: number;
  l2?: number;
  seed?: number;
}

export interface DomainScore {
  /** Out-of-fold AUROC of telling recent (positive) from reference embeddings. */
  auroc: number;
  /** Out-of-fold balanced error e at probability 0.5. */
  error: number;
  /** Proxy A-distance 2(1 - 2e): 0 for indistinguishable domains, 2 for separable ones. */
  proxyADistance: number;
  /** The `alarmQuantile` quantile of the AUROC under shuffled domain labels. */
  nullAuroc: number;
  /** (1 + #null AUROC >= auroc) / (1 + permutations). */
  pValue: number;
  alarm: boolean;
}

/**
 * A periodic second opinion on drift: a logistic regression tells reference embeddings
 * [n, dim] from recent target embeddings [m, dim] (features standardised with pooled
 * statistics, both domains weighted equally), scored out of fold. Its alarm is calibrated
 * by retraining on shuffled domain labels, which keeps the folds and so any optimism of
 * the fitting procedure in the null.
 *
 * Recent rows are time-ordered and overlap, so they are cut into contiguous folds: random
 * folds would put near-copies of a held-out window in training. The permutation null does
 * not cover the autocorrelation itself: a short recent stretch of one program can be told
 * from a reference of many runs without any drift, as with the MMD; read the score
 * against the same score on held-out source runs. Cost: (1 + permutations) x folds
 * Newton fits of O((n+m) dim^2) per step.
 */
export function domainClassifierScore(
  reference: Float32Array,
  recent: Float32Array,
  dim: number,
  options: DomainScoreOptions = {},
): DomainScore {
  const n = reference.length / dim;
  const m = recent.length / dim;
  const folds = options.folds ?? 5;
  const permutations = options.permutations ?? 100;
  if (!Number.isInteger(folds) || folds < 2 || n < folds || m < folds) {
    throw new AdaptdError(
      'CONFIG_INVALID',
      `domain classifier needs at least 2 folds and a row per fold on each side, got ` +
        `${folds} folds for ${n} reference and ${m} recent embeddings`,
      { context: { folds, n, m } },
    );
  }
  const x = standardisePooled(reference, recent, dim);
  const random = seededRandom(options.seed ?? 1);
  const foldOf = Int32Array.from([
    ...shuffled(
      Array.from({ length: n }, (_, i) => i % folds),
      random,
    ),
    ...Array.from({ length: m }, (_, i) => Math.floor((i * folds) / m)),
  ]);
  const labels = Uint8Array.from({ length: n + m }, (_, i) => (i < n ? 0 : 1));
  const scoreWith = (y: Uint8Array) => outOfFold(x, y, foldOf, folds, dim, options.l2 ?? 1);
  const observed = scoreWith(labels);
  const nullAurocs = Array.from(
    { length: permutations },
    () => scoreWith(Uint8Array.from(shuffled([...labels], random))).auroc,
  ).sort((a, b) => a - b);
  const quantile = options.alarmQuantile ?? 0.95;
  const nullAuroc = nullAurocs[Math.min(permutations - 1, Math.ceil(quantile * permutations) - 1)]!;
  const atLeast = nullAurocs.filter((value) => value >= observed.auroc).length;
  return {
    ...observed,
    proxyADistance: 2 * (1 - 2 * observed.error),
    nullAuroc,
    pValue: (1 + atLeast) / (1 + permutations),
    alarm: observed.auroc > nullAuroc,
  };
}

/** Out-of-fold logits of each row, then AUROC and balanced error of labels y [rows]. */
function outOfFold(
  x: Float64Array,
  y: Uint8Array,
  foldOf: Int32Array,
  folds: number,
  dim: number,
  l2: number,
): { auroc: number; error: number } {
  const positives = y.reduce((a, b) => a + b, 0);
  const negatives = y.length - positives;
  const weights = Float64Array.from(y, (label) =>
    label === 1 ? y.length / (2 * positives) : y.length / (2 * negatives),
  );
  const logits = new Float64Array(y.length);
  for (let f = 0; f < folds; f += 1) {
    const train = [...foldOf.keys()].filter((i) => foldOf[i] !== f);
    const test = [...foldOf.keys()].filter((i) => foldOf[i] === f);
    const beta = fitLogistic(rowsOf(x, train, dim), yOf(y, train), dim, {
      l2,
      sampleWeights: train.map((i) => weights[i]!),
    });
    logitsInto(logits, test, logisticLogits(beta, rowsOf(x, test, dim), dim));
  }
  let falsePositives = 0;
  let falseNegatives = 0;
  y.forEach((label, i) => {
    if (label === 1 && logits[i]! <= 0) falseNegatives += 1;
    if (label === 0 && logits[i]! > 0) falsePositives += 1;
  });
  return {
    auroc: auroc(logits, y),
    error: (falsePositives / negatives + falseNegatives / positives) / 2,
  };
}

/** Area under the ROC curve of scores [n] for labels [n] (1 positive), ties counted half. */
export function auroc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort(
    (a, b) => scores[a]! - scores[b]!,
  );
  let positives = 0;
  let rankSum = 0;
  for (let start = 0; start < order.length;) {
    let end = start;
    while (end + 1 < order.length && scores[order[end + 1]!] === scores[order[start]!]) end += 1;
    const midRank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k += 1) {
      if (labels[order[k]!] === 1) {
        positives += 1;
        rankSum += midRank;
      }
    }
    start = end + 1;
  }
  const negatives = scores.length - positives;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

function rowsOf(x: Float64Array, indices: readonly number[], dim: number): Float64Array {
  const out = new Float64Array(indices.length * dim);
  indices.forEach((i, r) => out.set(x.subarray(i * dim, (i + 1) * dim), r * dim));
  return out;
}

function yOf(y: Uint8Array, indices: readonly number[]): Uint8Array {
  return Uint8Array.from(indices, (i) => y[i]!);
}

function logitsInto(out: Float64Array, indices: readonly number[], values: Float64Array): void {
  indices.forEach((i, r) => (out[i] = values[r]!));
}
