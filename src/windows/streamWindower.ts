import type { Normaliser } from '../data/normaliser.js';
import { CONTROLLER_STATE_KEYS } from '../data/runFrame.js';
import { AdaptdError } from '../errors.js';
import type { ChannelMap } from './channelMap.js';
import { boardGroups, cutWindow } from './cutWindow.js';
import { GcodeTimeline, type GcodeLine } from './gcodeTimeline.js';
import { RowRing } from './rowRing.js';
import { windowId, type SensorRow, type WindowerOutput } from './sensorWindow.js';

export interface StreamWindowerOptions {
  machineId: string;
  channelMap: ChannelMap;
  normaliser: Normaliser;
  /** Rows per window, T. */
  length: number;
  /** Rows between window starts. */
  stride: number;
  /**
   * Rows held back to put slightly out-of-order rows right; 0 takes rows as they come. A row
   * older than every held one and than the last committed row is late and rejected.
   */
  reorderRows?: number;
  /** A pause longer than this between rows ends the stretch: no window spans it. */
  maxGapMs?: number;
  /** Most G-code lines remembered. */
  maxGcodeLines?: number;
  /** Clock for each window's cut time; virtual in tests. */
  now?: () => number;
}

/** What can happen to one sample: taken, a repeat, older than the rows taken, no mapped value. */
export const ROW_OUTCOMES = ['accepted', 'duplicate', 'late', 'empty'] as const;
export type RowOutcome = (typeof ROW_OUTCOMES)[number];

export interface WindowerCounts {
  accepted: number;
  duplicate: number;
  late: number;
  empty: number;
  /** Stretches ended by a pause longer than maxGapMs. */
  gaps: number;
}

const STATE_INDEX = new Map<string, number>(CONTROLLER_STATE_KEYS.map((key, f) => [key, f]));

/**
 * Turns a stream of samples and G-code lines into windows of `length` rows, `stride` apart,
 * mapped onto the model's channels and normalised. Pure and synchronous: time comes from the
 * samples and the injected clock, so tests drive it row by row.
 */
export class StreamWindower {
  readonly timeline: GcodeTimeline;
  private readonly ring: RowRing;
  private readonly boards: number[][];
  private readonly pending: SensorRow[] = [];
  /** Recently committed times, to tell a repeated row (duplicate) from an older one (late). */
  private readonly recent = new Set<number>();
  private readonly recentOrder: number[] = [];
  private readonly counts: WindowerCounts = {
    accepted: 0,
    duplicate: 0,
    late: 0,
    empty: 0,
    gaps: 0,
  };
  private lastTs = Number.NEGATIVE_INFINITY;
  /** Rows still to skip before the next window starts (stride > length). */
  private skip = 0;
  private readonly reorderRows: number;
  private readonly maxGapMs: number;
  private readonly now: () => number;

  constructor(private readonly options: StreamWindowerOptions) {
    const { length, stride } = options;
    if (!Number.isInteger(length) || length < 1 || !Number.isInteger(stride) || stride < 1) {
      throw new AdaptdError(
        'CONFIG_INVALID',
        `window length ${length} and stride ${stride} must both be whole numbers above 0`,
        { context: { length, stride } },
      );
    }
    this.ring = new RowRing(length, options.channelMap.channels);
    this.boards = boardGroups(options.channelMap.schema);
    this.timeline = new GcodeTimeline(options.maxGcodeLines);
    this.reorderRows = options.reorderRows ?? 0;
    this.maxGapMs = options.maxGapMs ?? 5000;
    this.now = options.now ?? Date.now;
  }

  /** Rows held: committed rows waiting for their window plus rows held for reordering. */
  get heldRows(): number {
    return this.ring.size + this.pending.length;
  }

  stats(): Readonly<WindowerCounts> {
    return { ...this.counts };
  }

  addGcode(line: GcodeLine): 'added' | 'duplicate' {
    return this.timeline.add(line);
  }

  /** Takes one sample; returns its outcome and any windows or releases it completed. */
  push(row: SensorRow): { outcome: RowOutcome; outputs: WindowerOutput[] } {
    const outputs: WindowerOutput[] = [];
    const outcome = this.classify(row);
    this.counts[outcome] += 1;
    if (outcome !== 'accepted') return { outcome, outputs };
    let at = this.pending.length;
    while (at > 0 && this.pending[at - 1]!.ts > row.ts) at -= 1;
    this.pending.splice(at, 0, row);
    while (this.pending.length > this.reorderRows) this.commit(this.pending.shift()!, outputs);
    return { outcome, outputs };
  }

  /** Commits every row held for reordering (at shutdown, or when the stream pauses). */
  flush(): WindowerOutput[] {
    const outputs: WindowerOutput[] = [];
    while (this.pending.length > 0) this.commit(this.pending.shift()!, outputs);
    return outputs;
  }

  private classify(row: SensorRow): RowOutcome {
    if (!Number.isFinite(row.ts)) return 'late';
    if (this.recent.has(row.ts) || this.pending.some((p) => p.ts === row.ts)) return 'duplicate';
    if (row.ts < this.lastTs) return 'late';
    for (const [name, value] of Object.entries(row.values)) {
      if (value !== null && this.options.channelMap.target(name).kind === 'channel') {
        return 'accepted';
      }
    }
    return 'empty';
  }

  private commit(row: SensorRow, outputs: WindowerOutput[]): void {
    if (row.ts - this.lastTs > this.maxGapMs && Number.isFinite(this.lastTs)) {
      // The rows held can no longer complete a window: release them.
      if (this.ring.size > 0) outputs.push({ kind: 'release', doneThrough: this.lastTs });
      this.ring.clear();
      this.skip = 0;
      this.counts.gaps += 1;
    }
    this.remember(row.ts);
    this.lastTs = row.ts;
    if (this.skip > 0) {
      this.skip -= 1;
      outputs.push({ kind: 'release', doneThrough: row.ts });
      return;
    }
    this.store(row);
    if (this.ring.size === this.options.length) outputs.push(this.cut());
  }

  private store(row: SensorRow): void {
    const slot = this.ring.append(row.ts);
    for (const [name, value] of Object.entries(row.values)) {
      if (value === null || !Number.isFinite(value)) continue;
      const target = this.options.channelMap.target(name);
      if (target.kind === 'channel') slot.values[target.index] = value;
      else if (target.kind === 'context') slot.state[STATE_INDEX.get(target.field)!] = value;
    }
  }

  private cut(): WindowerOutput {
    const { length, stride, machineId, normaliser } = this.options;
    const content = cutWindow(this.ring, length, this.boards, normaliser, this.timeline);
    const dropped = Math.min(stride, length);
    const doneThrough = this.ring.ts(dropped - 1);
    this.ring.dropOldest(dropped);
    this.skip = stride - dropped;
    // Lines older than the earliest row still held can no longer be looked up.
    if (this.ring.size > 0) this.timeline.prune(this.ring.ts(0));
    else this.timeline.prune(this.lastTs);
    return {
      kind: 'window',
      window: {
        id: windowId(machineId, content.from, content.to),
        ...content,
        doneThrough,
        cutAt: this.now(),
      },
    };
  }

  private remember(ts: number): void {
    this.recent.add(ts);
    this.recentOrder.push(ts);
    if (this.recentOrder.length > 2 * this.options.length + this.reorderRows) {
      this.recent.delete(this.recentOrder.shift()!);
    }
  }
}
