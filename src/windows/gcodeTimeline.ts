/** One executed G-code line as the controller reported it. */
export interface GcodeLine {
  /** Milliseconds since the epoch at which the line started executing. */
  ts: number;
  line: number;
  text: string;
}

export type GcodeAddOutcome = 'added' | 'duplicate';

/**
 * The G-code lines in time order, answering "which line was executing at time t" (the latest
 * line with ts <= t). Sensor and G-code messages travel on separate topics and may arrive in
 * either order, so lines are inserted where they belong rather than appended. Lines no row
 * still held can refer to are pruned; a hard cap bounds memory when rows stop coming.
 */
export class GcodeTimeline {
  private readonly lines: GcodeLine[] = [];
  private droppedCount = 0;

  constructor(private readonly maxLines = 4096) {}

  get size(): number {
    return this.lines.length;
  }

  /** Lines dropped because the cap was reached (oldest first). */
  get dropped(): number {
    return this.droppedCount;
  }

  add(entry: GcodeLine): GcodeAddOutcome {
    const at = this.upperBound(entry.ts);
    const before = this.lines[at - 1];
    if (before !== undefined && before.ts === entry.ts) return 'duplicate';
    this.lines.splice(at, 0, entry);
    if (this.lines.length > this.maxLines) {
      this.lines.shift();
      this.droppedCount += 1;
    }
    return 'added';
  }

  /** The line executing at `ts`, or undefined when no line started at or before it. */
  at(ts: number): GcodeLine | undefined {
    return this.lines[this.upperBound(ts) - 1];
  }

  /**
   * Forgets lines superseded before `ts`: a line is kept while it is the latest at or before
   * `ts` or later, since a row at `ts` or after may still be aligned with it.
   */
  prune(ts: number): void {
    const keepFrom = Math.max(0, this.upperBound(ts) - 1);
    if (keepFrom > 0) this.lines.splice(0, keepFrom);
  }

  /** Index of the first line with ts > `ts`. */
  private upperBound(ts: number): number {
    let low = 0;
    let high = this.lines.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.lines[mid]!.ts <= ts) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
