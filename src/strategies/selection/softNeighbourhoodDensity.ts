import { AdaptdError } from '../../errors.js';

export interface SndOptions {
  /** Softmax temperature on cosine similarities; 0.05 as in Saito et al. */
  temperature?: number;
  /** Most rows used; more are thinned by an even stride (the cost grows with rows^2). */
  maxRows?: number;
}

/**
 * Soft neighbourhood density (Saito et al. 2021, "Tune it the right way"): rows of
 * `features` [rows, dim] are L2-normalised, each row's cosine similarities to the other
 * rows go through a softmax at `temperature`, and the score is the mean entropy of those
 * distributions. HIGHER is better: target points that sit in dense clusters have many
 * near neighbours and a spread-out softmax. Saito et al. feed softmax outputs; any
 * embedding works. A fully collapsed embedding also scores high (every neighbour equally
 * close), so check collapse alongside it.
 */
export function softNeighbourhoodDensity(
  features: Float32Array,
  dim: number,
  options: SndOptions = {},
): number {
  const temperature = options.temperature ?? 0.05;
  const total = features.length / dim;
  if (!Number.isInteger(total) || total < 2 || !(temperature > 0)) {
    throw new AdaptdError(
      'INTERNAL',
      `SND needs at least 2 rows of ${dim} features and a positive temperature, got ` +
        `${features.length} values and temperature ${temperature}`,
      { context: { values: features.length, dim, temperature } },
    );
  }
  const stride = Math.max(1, Math.ceil(total / (options.maxRows ?? 1000)));
  const rows = Math.ceil(total / stride);
  const unit = new Float64Array(rows * dim);
  for (let r = 0; r < rows; r += 1) {
    const from = r * stride * dim;
    let norm = 0;
    for (let f = 0; f < dim; f += 1) norm += features[from + f]! ** 2;
    const scale = 1 / Math.max(Math.sqrt(norm), 1e-12);
    for (let f = 0; f < dim; f += 1) unit[r * dim + f] = features[from + f]! * scale;
  }
  const logits = new Float64Array(rows);
  let entropySum = 0;
  for (let i = 0; i < rows; i += 1) {
    let max = -Infinity;
    for (let j = 0; j < rows; j += 1) {
      let dot = 0;
      for (let f = 0; f < dim; f += 1) dot += unit[i * dim + f]! * unit[j * dim + f]!;
      // A row is not its own neighbour: it gets the lowest similarity there is.
      logits[j] = (i === j ? -1 : dot) / temperature;
      max = Math.max(max, logits[j]!);
    }
    let sum = 0;
    for (let j = 0; j < rows; j += 1) sum += Math.exp(logits[j]! - max);
    const logSum = Math.log(sum) + max;
    let entropy = 0;
    for (let j = 0; j < rows; j += 1) {
      const logP = logits[j]! - logSum;
      entropy -= Math.exp(logP) * logP;
    }
    entropySum += entropy;
  }
  return entropySum / rows;
}
