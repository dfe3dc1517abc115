import type { ChannelSchema } from './channelSchema.js';
import type { Normaliser } from './normaliser.js';
import type { RunFrame } from './runFrame.js';
import type { Stretch } from './windowIndex.js';

/**
 * One run as a row-major Float32Array [rows, C] of normalised values. Masked channels
 * stay 0 (their mask travels beside the data). Inside each stretch, an empty cell of a
 * present channel takes the last earlier value, or failing that the first later one: a
 * sensor row that missed a report still held its reading, and the fill never reaches
 * across a stretch boundary. A present channel with no value in a stretch stays 0 there,
 * which is its training median. Rows outside every stretch stay 0 and no window uses them.
 */
export function runMatrix(
  frame: RunFrame,
  schema: ChannelSchema,
  normaliser: Normaliser,
  present: Uint8Array,
  stretches: readonly Stretch[],
): Float32Array {
  const width = schema.channels.length;
  const matrix = new Float32Array(frame.rows * width);
  schema.channels.forEach((spec, c) => {
    const values = frame.values.get(spec.name);
    if (present[c] !== 1 || values === undefined) return;
    for (const { start, end } of stretches)
      fillStretch(values, start, end, c, width, normaliser, matrix);
  });
  return matrix;
}

function fillStretch(
  values: Float32Array,
  start: number,
  end: number,
  c: number,
  width: number,
  normaliser: Normaliser,
  matrix: Float32Array,
): void {
  let last = Number.NaN;
  let firstSeen = -1;
  for (let r = start; r < end; r += 1) {
    const raw = values[r] ?? Number.NaN;
    if (!Number.isNaN(raw)) {
      last = normaliser.apply(c, raw);
      if (firstSeen < 0) firstSeen = r;
    }
    // Before the first value `last` is NaN; the back-fill below overwrites those rows.
    matrix[r * width + c] = last;
  }
  if (firstSeen < 0) {
    for (let r = start; r < end; r += 1) matrix[r * width + c] = 0;
    return;
  }
  const first = matrix[firstSeen * width + c] ?? 0;
  for (let r = start; r < firstSeen; r += 1) matrix[r * width + c] = first;
}
