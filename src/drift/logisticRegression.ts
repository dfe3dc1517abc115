import { AdaptdError } from '../errors.js';

export interface LogisticOptions {
  /** L2 penalty on the weights (not the bias), on standardised features. */
  l2?: number;
  /** Newton steps at most; a ridge-penalised problem converges in a handful. */
  iterations?: number;
  /** Per-row weights [n], e.g. to weigh two classes of different sizes equally. */
  sampleWeights?: ArrayLike<number>;
}

/**
 * L2-penalised logistic regression of labels y [n] (0 or 1) on rows x [n, dim], fitted
 * by Newton's method (iteratively reweighted least squares) with a Cholesky solve of the
 * [dim+1, dim+1] Hessian. Returns the coefficients [dim+1], the bias last. Each step
 * costs O(n dim^2); the penalty keeps the Hessian positive definite even on separable
 * data, where the unpenalised optimum is at infinity.
 */
export function fitLogistic(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  dim: number,
  options: LogisticOptions = {},
): Float64Array {
  const n = y.length;
  if (x.length !== n * dim || n === 0) {
    throw new AdaptdError(
      'INTERNAL',
      `logistic regression needs rows of ${dim} features per label, got ${x.length} values ` +
        `for ${n} labels`,
      { context: { values: x.length, labels: n, dim } },
    );
  }
  const l2 = options.l2 ?? 1;
  const p = dim + 1;
  const beta = new Float64Array(p);
  const row = new Float64Array(p);
  row[dim] = 1;
  for (let step = 0; step < (options.iterations ?? 25); step += 1) {
    const gradient = new Float64Array(p);
    const hessian = new Float64Array(p * p);
    for (let j = 0; j < dim; j += 1) {
      gradient[j] = l2 * beta[j]!;
      hessian[j * p + j] = l2;
    }
    // A tiny ridge on the bias keeps the solve defined when one class is absent.
    hessian[dim * p + dim] = 1e-9;
    for (let i = 0; i < n; i += 1) {
      for (let j = 0; j < dim; j += 1) row[j] = x[i * dim + j]!;
      const prob = sigmoid(dot(beta, row));
      const weight = options.sampleWeights?.[i] ?? 1;
      const residual = weight * (prob - y[i]!);
      const curvature = weight * prob * (1 - prob);
      for (let j = 0; j < p; j += 1) {
        gradient[j] += residual * row[j]!;
        const scaled = curvature * row[j]!;
        for (let k = 0; k <= j; k += 1) hessian[j * p + k] += scaled * row[k]!;
      }
    }
    const delta = choleskySolve(hessian, gradient, p);
    let change = 0;
    for (let j = 0; j < p; j += 1) {
      beta[j] -= delta[j]!;
      change = Math.max(change, Math.abs(delta[j]!));
    }
    if (change < 1e-8) break;
  }
  return beta;
}

/** Logits x beta of rows x [n, dim] under coefficients [dim+1] (bias last): [n]. */
export function logisticLogits(
  beta: Float64Array,
  x: ArrayLike<number>,
  dim: number,
): Float64Array {
  const n = x.length / dim;
  return Float64Array.from({ length: n }, (_, i) => {
    let sum = beta[dim]!;
    for (let j = 0; j < dim; j += 1) sum += beta[j]! * x[i * dim + j]!;
    return sum;
  });
}

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let j = 0; j < a.length; j += 1) sum += a[j]! * b[j]!;
  return sum;
}

/** Solves A v = b for symmetric positive definite A [p, p] given by its lower triangle. */
function choleskySolve(a: Float64Array, b: Float64Array, p: number): Float64Array {
  const l = new Float64Array(p * p);
  for (let j = 0; j < p; j += 1) {
    let diagonal = a[j * p + j]!;
    for (let k = 0; k < j; k += 1) diagonal -= l[j * p + k]! ** 2;
    if (!(diagonal > 0)) {
      throw new AdaptdError('INTERNAL', `logistic Hessian is not positive definite at ${j}`);
    }
    l[j * p + j] = Math.sqrt(diagonal);
    for (let i = j + 1; i < p; i += 1) {
      let sum = a[i * p + j]!;
      for (let k = 0; k < j; k += 1) sum -= l[i * p + k]! * l[j * p + k]!;
      l[i * p + j] = sum / l[j * p + j]!;
    }
  }
  const forward = new Float64Array(p);
  for (let i = 0; i < p; i += 1) {
    let sum = b[i]!;
    for (let k = 0; k < i; k += 1) sum -= l[i * p + k]! * forward[k]!;
    forward[i] = sum / l[i * p + i]!;
  }
  const out = new Float64Array(p);
  for (let i = p - 1; i >= 0; i -= 1) {
    let sum = forward[i]!;
    for (let k = i + 1; k < p; k += 1) sum -= l[k * p + i]! * out[k]!;
    out[i] = sum / l[i * p + i]!;
  }
  return out;
}
