/** How spread a model's predictions are over the classes, on one set of windows. */
export interface CollapseStats {
  /** exp of the entropy of the predicted-class distribution: 1 when one class takes all. */
  effectiveClasses: number;
  /** Share of the rows predicted as the most predicted class. */
  largestShare: number;
  /** Mean softmax entropy per row, in nats. */
  meanEntropy: number;
  rows: number;
}

/** Collapse statistics of row-major probabilities [rows, classes]. */
export function collapseStats(probabilities: ArrayLike<number>, classes: number): CollapseStats {
  const rows = Math.floor(probabilities.length / classes);
  const counts = new Array<number>(classes).fill(0);
  let entropy = 0;
  for (let r = 0; r < rows; r += 1) {
    let best = 0;
    for (let c = 0; c < classes; c += 1) {
      const p = probabilities[r * classes + c]!;
      if (p > probabilities[r * classes + best]!) best = c;
      if (p > 0) entropy -= p * Math.log(p);
    }
    counts[best]! += 1;
  }
  return { ...spread(counts), meanEntropy: rows === 0 ? 0 : entropy / rows, rows };
}

/** Effective number and largest share of a count per class (labels or predictions). */
export function spread(counts: readonly number[]): {
  effectiveClasses: number;
  largestShare: number;
} {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return { effectiveClasses: 0, largestShare: 0 };
  let entropy = 0;
  for (const count of counts) {
    const share = count / total;
    if (share > 0) entropy -= share * Math.log(share);
  }
  return { effectiveClasses: Math.exp(entropy), largestShare: Math.max(...counts) / total };
}
