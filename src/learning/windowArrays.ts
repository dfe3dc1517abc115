import type { LabelledWindows } from '../model/training/windowBatch.js';

/**
 * Windows as plain typed arrays, row-major, so that a snapshot can be handed to a child
 * process (structured clone) and turned back into a LabelledWindows view there.
 */
export interface WindowArrays {
  count: number;
  /** Rows per window (T), channels (C), controller-state entries (K), embedding units. */
  length: number;
  channels: number;
  contextSize: number;
  units: number;
  ids: string[];
  /** Time of each window's first and last row, ms since the epoch. */
  from: number[];
  to: number[];
  /** Normalised values [count, T, C]; masked channels hold 0. */
  x: Float32Array;
  /** Channel presence [count, C]. */
  mask: Float32Array;
  /** One-hot controller state [count, K]. */
  context: Float32Array;
  /** Pooled embeddings [count, units] from the model that scored the window. */
  embeddings: Float32Array;
  /** Class per window ([count]) or per row for step heads ([count * T]); -1 unknown. */
  labels: Record<string, Int32Array>;
}

/** A LabelledWindows view of plain window arrays, for the training and scoring code. */
export function labelledView(arrays: WindowArrays): LabelledWindows {
  const { length, channels, contextSize } = arrays;
  const size = length * channels;
  return {
    count: arrays.count,
    length,
    channels,
    contextSize,
    gather(indices) {
      const x = new Float32Array(indices.length * size);
      const mask = new Float32Array(indices.length * channels);
      indices.forEach((w, n) => {
        x.set(arrays.x.subarray(w * size, (w + 1) * size), n * size);
        mask.set(arrays.mask.subarray(w * channels, (w + 1) * channels), n * channels);
      });
      return { x, mask };
    },
    context(indices) {
      const out = new Float32Array(indices.length * contextSize);
      indices.forEach((w, n) =>
        out.set(arrays.context.subarray(w * contextSize, (w + 1) * contextSize), n * contextSize),
      );
      return out;
    },
    labels: arrays.labels,
  };
}

/** Indices of windows with a known label for a head (any known row for a step head). */
export function labelledIndices(arrays: WindowArrays, head: string): number[] {
  const labels = arrays.labels[head];
  if (labels === undefined) return [];
  const per = labels.length / Math.max(1, arrays.count);
  const out: number[] = [];
  for (let w = 0; w < arrays.count; w += 1) {
    if (labels.subarray(w * per, (w + 1) * per).some((value) => value >= 0)) out.push(w);
  }
  return out;
}
