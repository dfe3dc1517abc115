import { AdaptdError } from '../errors.js';

/**
 * A running sum with Neumaier compensation: a window statistic adds and removes millions
 * of terms over a long stream, and a plain sum would drift by the accumulated rounding.
 * With the compensation its error stays at a few ulps of the largest partial sum.
 */
class CompensatedSum {
  private sum = 0;
  private carry = 0;

  add(value: number): void {
    const next = this.sum + value;
    if (Math.abs(this.sum) >= Math.abs(value)) this.carry += this.sum - next + value;
    else this.carry += value - next + this.sum;
    this.sum = next;
  }

  get value(): number {
    return this.sum + this.carry;
  }
}

/**
 * The bookkeeping of an unbiased MMD^2 between a fixed reference R of n rows and a
 * sliding window W of the last w rows, fed with kernel values computed elsewhere:
 *
 *   MMD^2 = mean_{i != j} k(r_i, r_j) + mean_{a != b} k(x_a, x_b) - 2 mean_{i,a} k(r_i, x_a)
 *
 * Each row of W keeps its kernel column sum against R and its kernel values with the
 * other rows of W (a ring of w slots and a [w, w] matrix); pushing a row adds its terms
 * and takes out the evicted row's, so a step costs O(w) here plus what the caller spends
 * on the new kernel values. The statistic is defined once the window is full.
 */
export class SlidingMmd {
  private readonly cross: Float64Array;
  private readonly pairs: Float64Array;
  private readonly occupied: Uint8Array;
  private crossSum = new CompensatedSum();
  private pairSum = new CompensatedSum();
  private next = 0;
  private size = 0;

  /**
   * @param window w, the number of recent rows compared (at least 2).
   * @param referenceSize n, the number of reference rows (at least 2).
   * @param referenceMean mean_{i != j} k(r_i, r_j), constant for a fixed reference.
   */
  constructor(
    readonly window: number,
    readonly referenceSize: number,
    readonly referenceMean: number,
  ) {
    if (!Number.isInteger(window) || window < 2 || referenceSize < 2) {
      throw new AdaptdError(
        'CONFIG_INVALID',
        `online MMD needs a window of at least 2 rows and a reference of at least 2, got ` +
          `window ${window} and reference ${referenceSize}`,
        { context: { window, referenceSize } },
      );
    }
    this.cross = new Float64Array(window);
    this.pairs = new Float64Array(window * window);
    this.occupied = new Uint8Array(window);
  }

  /** The slot the next pushed row goes to; the oldest row's when the window is full. */
  get nextSlot(): number {
    return this.next;
  }

  /** Rows in the window, up to `window`. */
  get count(): number {
    return this.size;
  }

  /**
   * Adds a row, evicting the oldest when full, and returns MMD^2 (undefined until full).
   * @param crossSum sum_i k(r_i, x_new), the new row's kernel column against R.
   * @param kernelWith k(x_new, x_slot) for every other slot that still holds a row.
   */
  push(crossSum: number, kernelWith: (slot: number) => number): number | undefined {
    const w = this.window;
    const slot = this.next;
    if (this.occupied[slot] === 1) {
      this.crossSum.add(-this.cross[slot]!);
      for (let b = 0; b < w; b += 1) {
        if (b !== slot && this.occupied[b] === 1) this.pairSum.add(-this.pairs[slot * w + b]!);
      }
      this.size -= 1;
    }
    for (let b = 0; b < w; b += 1) {
      if (b === slot || this.occupied[b] !== 1) continue;
      const value = kernelWith(b);
      this.pairs[slot * w + b] = value;
      this.pairs[b * w + slot] = value;
      this.pairSum.add(value);
    }
    this.cross[slot] = crossSum;
    this.crossSum.add(crossSum);
    this.occupied[slot] = 1;
    this.size += 1;
    this.next = (slot + 1) % w;
    return this.statistic();
  }

  /** The current unbiased MMD^2, or undefined while the window is not full. */
  statistic(): number | undefined {
    const w = this.window;
    if (this.size < w) return undefined;
    return (
      this.referenceMean +
      (2 * this.pairSum.value) / (w * (w - 1)) -
      (2 * this.crossSum.value) / (this.referenceSize * w)
    );
  }

  /** Empties the window; the reference terms stay. */
  clear(): void {
    this.occupied.fill(0);
    this.crossSum = new CompensatedSum();
    this.pairSum = new CompensatedSum();
    this.next = 0;
    this.size = 0;
  }
}
