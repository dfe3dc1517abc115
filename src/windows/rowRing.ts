import { CONTROLLER_STATE_KEYS } from '../data/runFrame.js';

const FIELDS = CONTROLLER_STATE_KEYS.length;

/**
 * A fixed-capacity ring of committed rows: their times, raw values [capacity, C] (NaN where
 * the machine sent nothing) and controller state codes [capacity, fields] (-1 where unknown).
 * Rows are addressed 0..size-1 from the oldest; storage is reused, never grown.
 */
export class RowRing {
  private readonly times: Float64Array;
  private readonly values: Float32Array;
  private readonly states: Int16Array;
  private head = 0;
  private count = 0;

  constructor(
    readonly capacity: number,
    readonly channels: number,
  ) {
    this.times = new Float64Array(capacity);
    this.values = new Float32Array(capacity * channels);
    this.states = new Int16Array(capacity * FIELDS);
  }

  get size(): number {
    return this.count;
  }

  /**
   * Appends a row and returns its slot, whose value and state cells the caller fills (they
   * start empty). The ring must not be full.
   */
  append(ts: number): { values: Float32Array; state: Int16Array } {
    const slot = (this.head + this.count) % this.capacity;
    this.count += 1;
    this.times[slot] = ts;
    const values = this.values.subarray(slot * this.channels, (slot + 1) * this.channels);
    const state = this.states.subarray(slot * FIELDS, (slot + 1) * FIELDS);
    values.fill(Number.NaN);
    state.fill(-1);
    return { values, state };
  }

  /** Drops the `n` oldest rows. */
  dropOldest(n: number): void {
    const k = Math.min(n, this.count);
    this.head = (this.head + k) % this.capacity;
    this.count -= k;
  }

  clear(): void {
    this.head = 0;
    this.count = 0;
  }

  ts(row: number): number {
    return this.times[this.slot(row)]!;
  }

  /** Raw value of channel `c` in row `row`; NaN where missing. */
  value(row: number, c: number): number {
    return this.values[this.slot(row) * this.channels + c]!;
  }

  /** Controller state code of field index `f` (CONTROLLER_STATE_KEYS order) in row `row`. */
  state(row: number, f: number): number {
    return this.states[this.slot(row) * FIELDS + f]!;
  }

  private slot(row: number): number {
    return (this.head + row) % this.capacity;
  }
}
