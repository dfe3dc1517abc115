import { AdaptdError } from '../../errors.js';

export interface LogisticOptions {
  /** Full-batch gradient steps. */
  iterations?: number;
  /** L2 penalty on the weights (not the bias). */
  l2?: number;
}

/** P(target | features) for rows of features [rows, dim], as a function of one row. */
export type DomainProbability = (features: Float32Array, row: number) => number;

/**
 * Logistic regression telling source rows [n, dim] (0) from target rows [m, dim] (1),
 * on features standardised with the pooled statistics and with both domains weighted
 * equally, so that p / (1 - p) estimates the density ratio p_t(x) / p_s(x) without a
 * prior correction. Plain gradient descent at step 4 / (dim + 1), below 1 / the
 * curvature bound of standardised features, so it cannot diverge.
 */
export function logisticDomainClassifier(
  source: Float32Array,
  target: Float32Array,
  dim: number,
  options: LogisticOptions = {},
): DomainProbability {
  const n = source.length / dim;
  const m = target.length / dim;
  if (!Number.isInteger(n) || !Number.isInteger(m) || n < 1 || m < 1) {
    throw new AdaptdError(
      'INTERNAL',
      `domain classifier needs rows of ${dim} features on both sides, got ` +
        `${source.length} and ${target.length} values`,
      { context: { source: source.length, target: target.length, dim } },
    );
  }
  const mean = new Float64Array(dim);
  const scale = new Float64Array(dim);
  const rows: [Float32Array, number][] = [];
  for (let r = 0; r < n; r += 1) rows.push([source, r]);
  for (let r = 0; r < m; r += 1) rows.push([target, r]);
  for (let f = 0; f < dim; f += 1) {
    let sum = 0;
    for (const [set, r] of rows) sum += set[r * dim + f]!;
    mean[f] = sum / rows.length;
    let squares = 0;
    for (const [set, r] of rows) squares += (set[r * dim + f]! - mean[f]!) ** 2;
    scale[f] = 1 / Math.sqrt(squares / rows.length + 1e-6);
  }
  const z = new Float64Array(rows.length * dim);
  rows.forEach(([set, r], i) => {
    for (let f = 0; f < dim; f += 1) z[i * dim + f] = (set[r * dim + f]! - mean[f]!) * scale[f]!;
  });
  const weights = new Float64Array(dim);
  let bias = 0;
  const rate = 4 / (dim + 1);
  const l2 = options.l2 ?? 1e-3;
  const iterations = options.iterations ?? 300;
  const gradient = new Float64Array(dim);
  for (let step = 0; step < iterations; step += 1) {
    gradient.fill(0);
    let biasGradient = 0;
    for (let i = 0; i < rows.length; i += 1) {
      const label = i < n ? 0 : 1;
      // Each domain carries half the loss, whatever its size.
      const weight = label === 0 ? 0.5 / n : 0.5 / m;
      let logit = bias;
      for (let f = 0; f < dim; f += 1) logit += weights[f]! * z[i * dim + f]!;
      const error = (sigmoid(logit) - label) * weight;
      biasGradient += error;
      for (let f = 0; f < dim; f += 1) gradient[f]! += error * z[i * dim + f]!;
    }
    bias -= rate * biasGradient;
    for (let f = 0; f < dim; f += 1) weights[f]! -= rate * (gradient[f]! + l2 * weights[f]!);
  }
  return (features, row) => {
    let logit = bias;
    for (let f = 0; f < dim; f += 1) {
      logit += weights[f]! * (features[row * dim + f]! - mean[f]!) * scale[f]!;
    }
    return sigmoid(logit);
  };
}

function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}
