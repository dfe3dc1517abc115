import { AdaptdError } from '../errors.js';
import { mmdFromKernel } from '../strategies/alignment/mmdStatistic.js';
import type { ReferenceKernel } from './referenceKernel.js';
import { SlidingMmd } from './slidingMmd.js';

/**
 * mean_{i != j} k(r_i, r_j) over standardised reference rows z [n, dim]: the constant
 * term of the online statistic, O(n^2 dim) once.
 */
export function referenceKernelMean(kernel: ReferenceKernel, z: Float64Array): number {
  const n = z.length / kernel.dim;
  let sum = 0;
  for (let i = 0; i < n; i += 1) {
    for (let j = i + 1; j < n; j += 1) sum += kernel.between(z, i, z, j);
  }
  return (2 * sum) / (n * (n - 1));
}

/**
 * Unbiased MMD^2 between reference rows [n, dim] and window rows [w, dim] computed from
 * scratch with a fixed kernel: the batch counterpart of `OnlineMmd`, O((n+w)^2 dim).
 */
export function windowMmd(
  kernel: ReferenceKernel,
  reference: ArrayLike<number>,
  window: ArrayLike<number>,
): number {
  const dim = kernel.dim;
  const pooled = new Float64Array(reference.length + window.length);
  pooled.set(kernel.standardise(reference));
  pooled.set(kernel.standardise(window), reference.length);
  const rows = pooled.length / dim;
  const gram = new Float64Array(rows * rows);
  for (let i = 0; i < rows; i += 1) {
    for (let j = i + 1; j < rows; j += 1) {
      const value = kernel.between(pooled, i, pooled, j);
      gram[i * rows + j] = value;
      gram[j * rows + i] = value;
    }
  }
  const n = reference.length / dim;
  return mmdFromKernel(
    gram,
    Array.from({ length: rows }, (_, r) => r < n),
  );
}

/**
 * MMD^2 between a fixed reference of source embeddings R [n, dim] and the last w target
 * embeddings, updated per embedding in O(n dim + w dim): the new embedding's kernel
 * column against R and its kernel values with the window are computed, the evicted
 * embedding's terms are taken out (see `SlidingMmd`). Equal to `windowMmd` on the same
 * rows up to rounding.
 */
export class OnlineMmd {
  private readonly reference: Float64Array;
  private readonly sliding: SlidingMmd;
  /** Standardised window rows by slot [w, dim]. */
  private readonly rows: Float64Array;
  /** The same rows as given, for persistence. */
  private readonly raw: Float64Array;

  /**
   * @param reference R [n, dim], row-major.
   * @param window w, the number of recent embeddings compared with R.
   * @param kernel fixed on R (`ReferenceKernel.fit`) or shipped with calibrated thresholds.
   */
  constructor(
    reference: ArrayLike<number>,
    window: number,
    readonly kernel: ReferenceKernel,
  ) {
    this.reference = kernel.standardise(reference);
    const n = this.reference.length / this.kernel.dim;
    if (!Number.isInteger(n)) {
      throw new AdaptdError(
        'MODEL_INVALID',
        `drift reference of ${reference.length} values is not whole rows of ${this.kernel.dim}`,
        { context: { values: reference.length, dim: this.kernel.dim } },
      );
    }
    this.sliding = new SlidingMmd(window, n, referenceKernelMean(kernel, this.reference));
    this.rows = new Float64Array(window * kernel.dim);
    this.raw = new Float64Array(window * kernel.dim);
  }

  get window(): number {
    return this.sliding.window;
  }

  get referenceSize(): number {
    return this.sliding.referenceSize;
  }

  /** Embeddings in the window, up to `window`. */
  get count(): number {
    return this.sliding.count;
  }

  /** Adds one embedding [dim] and returns MMD^2, or undefined until the window is full. */
  push(embedding: ArrayLike<number>): number | undefined {
    const dim = this.kernel.dim;
    if (embedding.length !== dim) {
      throw new AdaptdError(
        'INTERNAL',
        `drift monitor got an embedding of ${embedding.length} features; the reference has ${dim}`,
        { context: { features: embedding.length, dim } },
      );
    }
    const slot = this.sliding.nextSlot;
    const z = this.kernel.standardise(embedding);
    this.rows.set(z, slot * dim);
    this.raw.set(embedding, slot * dim);
    const n = this.sliding.referenceSize;
    let cross = 0;
    for (let i = 0; i < n; i += 1) cross += this.kernel.between(this.reference, i, z, 0);
    return this.sliding.push(cross, (b) => this.kernel.between(this.rows, slot, this.rows, b));
  }

  /** The current MMD^2, or undefined while the window is not full. */
  statistic(): number | undefined {
    return this.sliding.statistic();
  }

  /** The window's embeddings as given, oldest first: [count, dim]. */
  windowRows(): Float64Array {
    const { window, count, nextSlot } = this.sliding;
    const dim = this.kernel.dim;
    const out = new Float64Array(count * dim);
    for (let k = 0; k < count; k += 1) {
      const slot = (nextSlot - count + k + window) % window;
      out.set(this.raw.subarray(slot * dim, (slot + 1) * dim), k * dim);
    }
    return out;
  }

  clear(): void {
    this.sliding.clear();
  }
}
