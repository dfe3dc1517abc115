import { AdaptdError } from '../../errors.js';

/**
 * Mean Shannon entropy (nats) of row-major class probabilities [rows, classes], between
 * 0 (every row certain) and ln(classes) (every row uniform). LOWER is better as a
 * label-free selection score: a model that fits the target is confident on it.
 * It also rewards overconfidence and collapse (one class for everything scores 0), so
 * use it next to a collapse check, never alone.
 */
export function meanPredictionEntropy(probabilities: Float32Array, classes: number): number {
  if (classes < 1 || probabilities.length === 0 || probabilities.length % classes !== 0) {
    throw new AdaptdError(
      'INTERNAL',
      `probabilities of length ${probabilities.length} are not rows of ${classes} classes`,
      { context: { length: probabilities.length, classes } },
    );
  }
  const rows = probabilities.length / classes;
  let total = 0;
  for (let at = 0; at < probabilities.length; at += 1) {
    const p = probabilities[at]!;
    if (p > 0) total -= p * Math.log(p);
  }
  return total / rows;
}
