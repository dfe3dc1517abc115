/**
 * The share of each class among the last `capacity` predictions of one head. A model that
 * collapses onto one class shows here long before accuracy can be measured.
 */
export class ClassShares {
  private readonly recent: Int32Array;
  private readonly counts: Int32Array;
  private next = 0;
  private filled = 0;

  constructor(
    readonly classes: readonly string[],
    readonly capacity = 256,
  ) {
    this.recent = new Int32Array(capacity);
    this.counts = new Int32Array(classes.length);
  }

  add(classIndex: number): void {
    if (!(classIndex >= 0 && classIndex < this.classes.length)) return;
    if (this.filled === this.capacity) this.counts[this.recent[this.next]!]! -= 1;
    else this.filled += 1;
    this.recent[this.next] = classIndex;
    this.counts[classIndex]! += 1;
    this.next = (this.next + 1) % this.capacity;
  }

  /** Share of each class (0 to 1) in the recent predictions; all 0 before the first. */
  shares(): number[] {
    return Array.from(this.counts, (count) => (this.filled === 0 ? 0 : count / this.filled));
  }
}
