import { AdaptdError } from '../errors.js';
import {
  DEFAULT_KERNEL_MULTIPLIERS,
  medianOffDiagonal,
  STANDARDISE_EPSILON,
} from '../strategies/alignment/mmdStatistic.js';

/** What fixes the kernel of a drift monitor; shipped with the thresholds it was calibrated for. */
export interface KernelParameters {
  /** Per-feature mean and scale of the reference embeddings, [dim] each. */
  mean: number[];
  std: number[];
  /** Squared median pairwise distance of the standardised reference. */
  bandwidth: number;
  multipliers: number[];
}

/**
 * The multi-kernel Gaussian of the MMD alignment term, frozen on a reference set:
 * standardisation by the reference's own statistics and bandwidths from its median
 * pairwise distance. Frozen, because a monitor compares an ever-changing window against
 * one reference, and a kernel that moved with the window would change the scale of the
 * statistic under the threshold calibrated for it.
 */
export class ReferenceKernel {
  readonly dim: number;
  private readonly mean: Float64Array;
  private readonly scale: Float64Array;
  private readonly gammas: Float64Array;

  constructor(readonly parameters: KernelParameters) {
    const { mean, std, bandwidth, multipliers } = parameters;
    if (mean.length === 0 || std.length !== mean.length || !(bandwidth > 0)) {
      throw new AdaptdError(
        'MODEL_INVALID',
        `drift kernel needs mean and std of one positive length and a positive bandwidth, got ` +
          `${mean.length} and ${std.length} features, bandwidth ${bandwidth}`,
        { context: { features: mean.length, stdFeatures: std.length, bandwidth } },
      );
    }
    this.dim = mean.length;
    this.mean = Float64Array.from(mean);
    this.scale = Float64Array.from(std);
    this.gammas = Float64Array.from(multipliers, (c) => 1 / (2 * c * c * bandwidth));
  }

  /** Fits the kernel on reference rows [n, dim] (row-major); n must be at least 2. */
  static fit(
    reference: ArrayLike<number>,
    dim: number,
    multipliers: readonly number[] = DEFAULT_KERNEL_MULTIPLIERS,
  ): ReferenceKernel {
    const rows = reference.length / dim;
    if (!Number.isInteger(rows) || rows < 2) {
      throw new AdaptdError(
        'INTERNAL',
        `a drift reference needs at least 2 whole rows of ${dim} features, got ` +
          `${reference.length} values`,
        { context: { values: reference.length, dim } },
      );
    }
    const mean = new Array<number>(dim).fill(0);
    const std = new Array<number>(dim).fill(0);
    for (let f = 0; f < dim; f += 1) {
      let sum = 0;
      for (let r = 0; r < rows; r += 1) sum += reference[r * dim + f]!;
      mean[f] = sum / rows;
      let squares = 0;
      for (let r = 0; r < rows; r += 1) squares += (reference[r * dim + f]! - mean[f]!) ** 2;
      std[f] = Math.sqrt(squares / rows + STANDARDISE_EPSILON);
    }
    const unscaled = new ReferenceKernel({ mean, std, bandwidth: 1, multipliers: [1] });
    const z = unscaled.standardise(reference);
    const squared = new Float64Array(rows * rows);
    for (let i = 0; i < rows; i += 1) {
      for (let j = i + 1; j < rows; j += 1) {
        const d = unscaled.squaredDistance(z, i, z, j);
        squared[i * rows + j] = d;
        squared[j * rows + i] = d;
      }
    }
    const bandwidth = medianOffDiagonal(squared, rows);
    return new ReferenceKernel({ mean, std, bandwidth, multipliers: [...multipliers] });
  }

  /** Rows [n, dim] standardised with the reference's statistics: [n, dim] in float64. */
  standardise(rows: ArrayLike<number>): Float64Array {
    const out = new Float64Array(rows.length);
    for (let e = 0; e < rows.length; e += 1) {
      const f = e % this.dim;
      out[e] = (rows[e]! - this.mean[f]!) / this.scale[f]!;
    }
    return out;
  }

  /** |a_i - b_j|^2 between standardised row i of a and row j of b. */
  squaredDistance(a: Float64Array, i: number, b: Float64Array, j: number): number {
    const dim = this.dim;
    let sum = 0;
    for (let f = 0; f < dim; f += 1) sum += (a[i * dim + f]! - b[j * dim + f]!) ** 2;
    return sum;
  }

  /** k(a_i, b_j): the sum over bandwidths of Gaussians of the squared distance. */
  between(a: Float64Array, i: number, b: Float64Array, j: number): number {
    const squared = this.squaredDistance(a, i, b, j);
    let value = 0;
    for (const gamma of this.gammas) value += Math.exp(-gamma * squared);
    return value;
  }
}
