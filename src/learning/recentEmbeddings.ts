/** The last `capacity` embeddings of `units` values, in a ring; oldest first when read. */
export class RecentEmbeddings {
  private readonly values: Float32Array;
  private next = 0;
  private count = 0;

  constructor(
    readonly capacity: number,
    readonly units: number,
  ) {
    this.values = new Float32Array(capacity * units);
  }

  get size(): number {
    return this.count;
  }

  push(embedding: ArrayLike<number>): void {
    this.values.set(embedding, this.next * this.units);
    this.next = (this.next + 1) % this.capacity;
    this.count = Math.min(this.capacity, this.count + 1);
  }

  /** A copy of the held embeddings [size, units], oldest first. */
  rows(): Float32Array {
    const out = new Float32Array(this.count * this.units);
    const start = (this.next - this.count + this.capacity) % this.capacity;
    for (let k = 0; k < this.count; k += 1) {
      const slot = (start + k) % this.capacity;
      out.set(this.values.subarray(slot * this.units, (slot + 1) * this.units), k * this.units);
    }
    return out;
  }
}
