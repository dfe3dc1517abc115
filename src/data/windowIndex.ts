import type { ChannelSchema } from './channelSchema.js';
import type { RunFrame } from './runFrame.js';

export interface WindowOptions {
  /** Rows per window, T. Default 64 (about 16 s at 3.9 Hz). */
  length?: number;
  /** Rows between window starts. Default 16. */
  stride?: number;
  /**
   * A pause longer than this (seconds) between rows ends a stretch: face150025_009 holds
   * two recordings 167 s apart and face150025_001 pauses 162 s; a window across such a
   * pause would join unrelated motion. Default 5 s (about 20 report periods).
   */
  maxGapSeconds?: number;
}

export const DEFAULT_WINDOW = { length: 64, stride: 16, maxGapSeconds: 5 } as const;

/** A run of consecutive rows, [start, end), that windows may cover. */
export interface Stretch {
  start: number;
  end: number;
}

/**
 * Rows with at least one value in a present channel, cut where a row has none (2,773
 * rows of face150025_001 carry controller fields only) and at long pauses.
 */
export function observedStretches(
  frame: RunFrame,
  schema: ChannelSchema,
  present: Uint8Array,
  maxGapSeconds: number = DEFAULT_WINDOW.maxGapSeconds,
): Stretch[] {
  const observed = new Uint8Array(frame.rows);
  schema.channels.forEach((spec, c) => {
    const values = frame.values.get(spec.name);
    if (present[c] !== 1 || values === undefined) return;
    for (let r = 0; r < frame.rows; r += 1)
      if (!Number.isNaN(values[r] ?? Number.NaN)) observed[r] = 1;
  });
  const stretches: Stretch[] = [];
  let start = -1;
  for (let r = 0; r <= frame.rows; r += 1) {
    const gap = r > 0 && (frame.time[r] ?? 0) - (frame.time[r - 1] ?? 0) > maxGapSeconds;
    const open = start >= 0;
    if (open && (r === frame.rows || observed[r] !== 1 || gap)) {
      stretches.push({ start, end: r });
      start = -1;
    }
    if (r < frame.rows && observed[r] === 1 && start < 0) start = r;
  }
  return stretches;
}

/** Start rows of the windows that fit inside the stretches, `stride` apart in each. */
export function windowStarts(
  stretches: readonly Stretch[],
  length: number,
  stride: number,
): number[] {
  const starts: number[] = [];
  for (const { start, end } of stretches) {
    for (let s = start; s + length <= end; s += stride) starts.push(s);
  }
  return starts;
}
