import { AdaptdError } from '../errors.js';
import { logisticDomainClassifier } from '../strategies/selection/logisticDomainClassifier.js';
import { seededRandom, shuffled } from '../util/random.js';

export interface DomainScoreOptions {
  folds?: number;
  /** Retrainings on shuffled domain labels for the null; 100 by default. */
  permutations?: number;
  /** The null quantile the AUROC must exceed to alarm; 0.95 by default. */
  alarmQuantile?: number;
  /** L2 penalty of the logistic regression (see `logisticDomainClassifier`). */
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
 * A periodic second opinion on drift: a logistic regression (`logisticDomainClassifier`,
 * standardised on each fold's training rows, both domains weighted equally) tells reference
 * embeddings [n, dim] from recent target embeddings [m, dim], scored out of fold. Its alarm
 * is calibrated by retraining on shuffled domain labels, which keeps the folds and so any
 * optimism of the fitting procedure in the null.
 *
 * Recent rows are time-ordered and overlap, so they are cut into contiguous folds: random
 * folds would put near-copies of a held-out window in training. The shuffled-label null
 * does not cover the autocorrelation itself: a stretch of one run can be told from a
 * reference of other runs without any drift. On the recorded runs, held-out source runs
 * score an AUROC of 0.93 to 0.99 against the reference, far above a null 95% of about
 * 0.65, so there this alarm fires on every run; read the score against the same score on
 * held-out source runs. Cost: (1 + permutations) x folds fits of 300 gradient steps,
 * O(300 (n+m) dim) each.
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
  const x = new Float32Array(reference.length + recent.length);
  x.set(reference);
  x.set(recent, reference.length);
  const random = seededRandom(options.seed ?? 1);
  const foldOf = Int32Array.from([
    ...shuffled(
      Array.from({ length: n }, (_, i) => i % folds),
      random,
    ),
    ...Array.from({ length: m }, (_, i) => Math.floor((i * folds) / m)),
  ]);
  const labels = Uint8Array.from({ length: n + m }, (_, i) => (i < n ? 0 : 1));
  const scoreWith = (y: Uint8Array) => outOfFold(x, y, foldOf, folds, dim, options.l2);
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

/** Out-of-fold P(recent) of each row of x [rows, dim], then AUROC and balanced error of y. */
function outOfFold(
  x: Float32Array,
  y: Uint8Array,
  foldOf: Int32Array,
  folds: number,
  dim: number,
  l2: number | undefined,
): { auroc: number; error: number } {
  const positives = y.reduce((a, b) => a + b, 0);
  const negatives = y.length - positives;
  const probabilities = new Float64Array(y.length);
  for (let f = 0; f < folds; f += 1) {
    const train = (label: number) =>
      rowsOf(
        x,
        [...foldOf.keys()].filter((i) => foldOf[i] !== f && y[i] === label),
        dim,
      );
    const probability = logisticDomainClassifier(train(0), train(1), dim, { l2 });
    foldOf.forEach((fold, i) => {
      if (fold === f) probabilities[i] = probability(x, i);
    });
  }
  let falsePositives = 0;
  let falseNegatives = 0;
  y.forEach((label, i) => {
    if (label === 1 && probabilities[i]! <= 0.5) falseNegatives += 1;
    if (label === 0 && probabilities[i]! > 0.5) falsePositives += 1;
  });
  return {
    auroc: auroc(probabilities, y),
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

function rowsOf(x: Float32Array, indices: readonly number[], dim: number): Float32Array {
  const out = new Float32Array(indices.length * dim);
  indices.forEach((i, r) => out.set(x.subarray(i * dim, (i + 1) * dim), r * dim));
  return out;
}
