import { AdaptdError } from '../../errors.js';

/** Bandwidth multipliers around the median heuristic: kernels from a quarter to four times it. */
export const DEFAULT_KERNEL_MULTIPLIERS: readonly number[] = [0.25, 0.5, 1, 2, 4];

/** Added to the pooled variance so that a constant feature standardises to 0, not NaN. */
export const STANDARDISE_EPSILON = 1e-6;

export interface MmdOptions {
  /** Kernel bandwidths as multiples of the median pairwise distance. */
  multipliers?: readonly number[];
}

/** Rejects samples too small for the unbiased estimator (it needs two rows on each side). */
export function checkMmdSizes(n: number, m: number, dim: number): void {
  if (n < 2 || m < 2 || dim < 1) {
    throw new AdaptdError(
      'INTERNAL',
      `unbiased MMD needs at least 2 rows per sample and 1 feature, got ${n} and ${m} rows ` +
        `of ${dim} features`,
      { context: { n, m, dim } },
    );
  }
}

/**
 * Pooled rows of x [n, dim] and y [m, dim], standardised per feature with the pooled
 * mean and variance: [(n+m), dim], x first. Pooled statistics keep the standardisation
 * unchanged under any relabelling of rows, which the permutation null relies on.
 */
export function standardisePooled(x: Float32Array, y: Float32Array, dim: number): Float64Array {
  const rows = (x.length + y.length) / dim;
  const z = new Float64Array(rows * dim);
  z.set(x);
  z.set(y, x.length);
  for (let f = 0; f < dim; f += 1) {
    let sum = 0;
    for (let r = 0; r < rows; r += 1) sum += z[r * dim + f]!;
    const mean = sum / rows;
    let squares = 0;
    for (let r = 0; r < rows; r += 1) squares += (z[r * dim + f]! - mean) ** 2;
    const scale = Math.sqrt(squares / rows + STANDARDISE_EPSILON);
    for (let r = 0; r < rows; r += 1) z[r * dim + f] = (z[r * dim + f]! - mean) / scale;
  }
  return z;
}

/**
 * The lower median of the off-diagonal entries of a symmetric [rows, rows] matrix of
 * squared distances: the squared median distance, the base bandwidth of every kernel.
 */
export function medianOffDiagonal(squared: ArrayLike<number>, rows: number): number {
  const upper = new Float64Array((rows * (rows - 1)) / 2);
  let k = 0;
  for (let i = 0; i < rows; i += 1) {
    for (let j = i + 1; j < rows; j += 1) upper[k++] = squared[i * rows + j]!;
  }
  upper.sort();
  const median = upper[Math.floor((upper.length - 1) / 2)]!;
  // Identical rows everywhere leave no scale to take; any positive width gives k = 1.
  return median > 0 ? median : 1;
}

/**
 * The multi-kernel Gram matrix of pooled standardised rows z [rows, dim]:
 * K[i,j] = sum over multipliers c of exp(-|z_i - z_j|^2 / (2 (c sigma)^2)), sigma^2 the
 * median squared distance. Returns K [rows*rows] and sigma^2.
 */
export function pooledKernel(
  z: Float64Array,
  dim: number,
  multipliers: readonly number[] = DEFAULT_KERNEL_MULTIPLIERS,
): { kernel: Float64Array; bandwidth: number } {
  const rows = z.length / dim;
  const squared = new Float64Array(rows * rows);
  for (let i = 0; i < rows; i += 1) {
    for (let j = i + 1; j < rows; j += 1) {
      let sum = 0;
      for (let f = 0; f < dim; f += 1) sum += (z[i * dim + f]! - z[j * dim + f]!) ** 2;
      squared[i * rows + j] = sum;
      squared[j * rows + i] = sum;
    }
  }
  const bandwidth = medianOffDiagonal(squared, rows);
  const kernel = new Float64Array(rows * rows);
  const gammas = multipliers.map((c) => 1 / (2 * c * c * bandwidth));
  for (let e = 0; e < kernel.length; e += 1) {
    let value = 0;
    for (const gamma of gammas) value += Math.exp(-gamma * squared[e]!);
    kernel[e] = value;
  }
  return { kernel, bandwidth };
}

/**
 * Unbiased MMD^2 from a pooled Gram matrix [rows*rows] and a membership per row
 * (true: sample X). Diagonal terms are left out of the within-sample means, so the
 * estimate is centred on 0 under no shift and may be slightly negative.
 */
export function mmdFromKernel(kernel: Float64Array, inX: ArrayLike<boolean>): number {
  const rows = inX.length;
  let xx = 0;
  let yy = 0;
  let xy = 0;
  let n = 0;
  for (let i = 0; i < rows; i += 1) {
    if (inX[i]) n += 1;
    for (let j = i + 1; j < rows; j += 1) {
      const value = kernel[i * rows + j]!;
      if (inX[i] === inX[j]) {
        if (inX[i]) xx += value;
        else yy += value;
      } else xy += value;
    }
  }
  const m = rows - n;
  return (2 * xx) / (n * (n - 1)) + (2 * yy) / (m * (m - 1)) - (2 * xy) / (n * m);
}

/**
 * Unbiased multi-kernel MMD^2 between x [n, dim] and y [m, dim] (row-major), on features
 * standardised with pooled statistics and with median-heuristic bandwidths; the plain
 * counterpart of `mmdLoss` for monitoring. O((n+m)^2 dim) time and (n+m)^2 memory.
 */
export function mmdSquared(
  x: Float32Array,
  y: Float32Array,
  dim: number,
  options: MmdOptions = {},
): number {
  checkMmdSizes(x.length / dim, y.length / dim, dim);
  const z = standardisePooled(x, y, dim);
  const { kernel } = pooledKernel(z, dim, options.multipliers);
  const n = x.length / dim;
  return mmdFromKernel(
    kernel,
    Array.from({ length: z.length / dim }, (_, r) => r < n),
  );
}
