import type { ChannelSchema } from '../data/channelSchema.js';
import { CONTEXT_FIELDS, CONTEXT_SIZE, CONTEXT_VALUES } from '../data/controllerContext.js';
import type { Normaliser } from '../data/normaliser.js';
import { CONTROLLER_STATE_KEYS } from '../data/runFrame.js';
import type { GcodeLine, GcodeTimeline } from './gcodeTimeline.js';
import type { RowRing } from './rowRing.js';

/** The model-facing part of a window: values, mask, context and G-code alignment. */
export interface WindowContent {
  from: number;
  to: number;
  /** [T, C] normalised, row-major. */
  x: Float32Array;
  /** [C] 1 present, 0 masked. */
  mask: Float32Array;
  /** [K] one-hot controller state at the last row. */
  context: Float32Array;
  gcode: Array<GcodeLine | undefined>;
}

/** Schema channel indices grouped by sensor board; channels without a board are left out. */
export function boardGroups(schema: ChannelSchema): number[][] {
  const groups = new Map<string, number[]>();
  schema.channels.forEach((spec, c) => {
    if (spec.board === undefined) return;
    const group = groups.get(spec.board) ?? [];
    group.push(c);
    groups.set(spec.board, group);
  });
  return [...groups.values()];
}

/**
 * Cuts the `length` oldest rows of `ring` into a window, as the training windows are built
 * (src/data/runMatrix.ts): a channel with no value in the window is masked, and so is every
 * channel of a board whose channels are all constant over it (a board that is not logging
 * repeats one value); a present channel's empty cells take the last earlier value in the
 * window, or the first later one; values are normalised with the model's statistics.
 * Training decides deadness over a whole run; a live stream only has the window to go by.
 */
export function cutWindow(
  ring: RowRing,
  length: number,
  boards: readonly number[][],
  normaliser: Normaliser,
  timeline: GcodeTimeline,
): WindowContent {
  const channels = ring.channels;
  const x = new Float32Array(length * channels);
  const mask = new Float32Array(channels);
  const constant = new Uint8Array(channels);
  for (let c = 0; c < channels; c += 1) {
    const seen = fillChannel(ring, length, c, normaliser, x);
    mask[c] = seen.any ? 1 : 0;
    constant[c] = seen.constant ? 1 : 0;
  }
  for (const board of boards) {
    if (board.every((c) => mask[c] === 0 || constant[c] === 1)) {
      for (const c of board) mask[c] = 0;
    }
  }
  for (let c = 0; c < channels; c += 1) {
    if (mask[c] === 0) for (let t = 0; t < length; t += 1) x[t * channels + c] = 0;
  }
  const gcode = Array.from({ length }, (_, t) => timeline.at(ring.ts(t)));
  return {
    from: ring.ts(0),
    to: ring.ts(length - 1),
    x,
    mask,
    context: encodeRowContext(ring, length - 1),
    gcode,
  };
}

function fillChannel(
  ring: RowRing,
  length: number,
  c: number,
  normaliser: Normaliser,
  x: Float32Array,
): { any: boolean; constant: boolean } {
  const channels = ring.channels;
  let firstSeen = -1;
  let firstRaw = Number.NaN;
  let constant = true;
  let last = 0;
  for (let t = 0; t < length; t += 1) {
    const raw = ring.value(t, c);
    if (!Number.isNaN(raw)) {
      if (firstSeen < 0) {
        firstSeen = t;
        firstRaw = raw;
      } else if (raw !== firstRaw) {
        constant = false;
      }
      last = normaliser.apply(c, raw);
    }
    x[t * channels + c] = last;
  }
  if (firstSeen > 0) {
    const first = x[firstSeen * channels + c]!;
    for (let t = 0; t < firstSeen; t += 1) x[t * channels + c] = first;
  }
  return { any: firstSeen >= 0, constant };
}

/** One-hot controller state of one row; an unknown or unlisted code leaves its field zero. */
function encodeRowContext(ring: RowRing, row: number): Float32Array {
  const out = new Float32Array(CONTEXT_SIZE);
  let base = 0;
  for (const field of CONTEXT_FIELDS) {
    const values = CONTEXT_VALUES[field];
    const at = values.indexOf(ring.state(row, CONTROLLER_STATE_KEYS.indexOf(field)));
    if (at >= 0) out[base + at] = 1;
    base += values.length;
  }
  return out;
}
