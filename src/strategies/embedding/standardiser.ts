import { AdaptdError } from '../../errors.js';

/**
 * Per-dimension standardisation of embeddings, (x - mean) / std, with statistics
 * fitted once on a reference set and then applied to any rows.
 */
export class Standardiser {
  private constructor(
    readonly mean: Float32Array,
    readonly std: Float32Array,
  ) {}

  /** Fits on row-major rows [n, dim]; a constant dimension gets std 1 so it maps to 0. */
  static fit(rows: Float32Array, dim: number): Standardiser {
    const n = rows.length / dim;
    if (!Number.isInteger(n) || n < 1) {
      throw new AdaptdError(
        'TRAINING_FAILED',
        `cannot standardise ${rows.length} values as rows of ${dim}; need at least one row`,
      );
    }
    const mean = new Float64Array(dim);
    const square = new Float64Array(dim);
    for (let i = 0; i < rows.length; i += 1) {
      const value = rows[i]!;
      mean[i % dim]! += value;
      square[i % dim]! += value * value;
    }
    const std = new Float32Array(dim);
    for (let d = 0; d < dim; d += 1) {
      mean[d]! /= n;
      const variance = Math.max(0, square[d]! / n - mean[d]! ** 2);
      std[d] = variance > 1e-12 ? Math.sqrt(variance) : 1;
    }
    return new Standardiser(Float32Array.from(mean), std);
  }

  get dim(): number {
    return this.mean.length;
  }

  /** Standardised copy of row-major rows [n, dim]. */
  apply(rows: Float32Array): Float32Array {
    const out = new Float32Array(rows.length);
    const dim = this.dim;
    for (let i = 0; i < rows.length; i += 1) {
      out[i] = (rows[i]! - this.mean[i % dim]!) / this.std[i % dim]!;
    }
    return out;
  }
}
