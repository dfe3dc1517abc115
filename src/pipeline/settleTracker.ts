import type { Settle } from '../transports/inputSource.js';

interface Waiting {
  /** Time of the last row the message gave the windower, or of its G-code line. */
  ts: number;
  settle: Settle;
}

/**
 * Decides when an input message may be settled (its Kafka offset committed, its MQTT delivery
 * acknowledged): only once nothing it brought can still change a prediction. Windows are
 * published in stream order, and each publication says that every row up to `doneThrough` is in
 * no later window; `advance` passes that on.
 *
 * - A sensor message is done once its last accepted row is done.
 * - A G-code line is needed by every row up to the next line; it is done once a later line has
 *   started at or before `doneThrough`. The newest line is never done: after a restart the rows
 *   that come next need it, so the broker must deliver it again.
 * - A message that contributed nothing (every row a duplicate, late or empty) is done at once.
 */
export class SettleTracker {
  /** Sensor messages by their last row's time, oldest first. */
  private readonly rows: Waiting[] = [];
  /** G-code lines by their start time, oldest first. */
  private readonly lines: Waiting[] = [];
  private doneThrough = Number.NEGATIVE_INFINITY;

  constructor(private readonly onSettleError: (error: unknown) => void) {}

  /** Messages waiting to be settled. */
  get pending(): number {
    return this.rows.length + this.lines.length;
  }

  /** A sensor message whose newest accepted row has time `lastTs`, or none. */
  trackRows(settle: Settle, lastTs: number | undefined): void {
    if (lastTs === undefined || lastTs <= this.doneThrough) {
      this.settle(settle);
      return;
    }
    insertSorted(this.rows, { ts: lastTs, settle });
  }

  trackGcode(settle: Settle, ts: number): void {
    insertSorted(this.lines, { ts, settle });
    this.releaseLines();
  }

  /** Settles now a message that has no effect the windows depend on. */
  settleNow(settle: Settle): void {
    this.settle(settle);
  }

  /** Every row up to `doneThrough` is in a published window or in none. */
  advance(doneThrough: number): void {
    if (doneThrough <= this.doneThrough) return;
    this.doneThrough = doneThrough;
    let done = 0;
    while (done < this.rows.length && this.rows[done]!.ts <= doneThrough) done += 1;
    for (const waiting of this.rows.splice(0, done)) this.settle(waiting.settle);
    this.releaseLines();
  }

  private releaseLines(): void {
    let done = 0;
    while (done + 1 < this.lines.length && this.lines[done + 1]!.ts <= this.doneThrough) {
      done += 1;
    }
    for (const waiting of this.lines.splice(0, done)) this.settle(waiting.settle);
  }

  private settle(settle: Settle): void {
    settle().catch(this.onSettleError);
  }
}

/** Inserts by time; messages mostly come in time order, so the search starts at the end. */
function insertSorted(list: Waiting[], item: Waiting): void {
  let at = list.length;
  while (at > 0 && list[at - 1]!.ts > item.ts) at -= 1;
  list.splice(at, 0, item);
}
