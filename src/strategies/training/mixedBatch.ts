import * as tf from '@tensorflow/tfjs';
import type { ModelInputs } from '../../model/sensorModel.js';
import { batchLabels, type LabelledWindows } from '../../model/training/windowBatch.js';

/** Some windows of one set, to go into a batch with windows of other sets. */
export interface BatchPart {
  windows: LabelledWindows;
  indices: readonly number[];
  /** This part's labels come from another head than the batch's (multi-task batches). */
  head?: { name: string; step: boolean };
}

export interface MixedBatch {
  /** x [n, length, channels], mask [n, channels], context [n, contextSize]; n over all parts. */
  inputs: ModelInputs;
  /**
   * Labels of `head` (or the part's own head) per part, in batch order ([rows] per window,
   * `length` rows for step heads).
   */
  labels: Int32Array[];
  /** First logits row of each part (in the logits of the part's head). */
  offsets: number[];
}

/**
 * One batch from windows of several sets (source, support, target), built from typed
 * arrays so that one forward pass serves every loss term. Parts keep their order;
 * `labels` and `offsets` tell each part's logits rows apart.
 */
export function mixedBatch(parts: readonly BatchPart[], head: string, step: boolean): MixedBatch {
  const first = parts[0]!.windows;
  const { length, channels, contextSize } = first;
  const n = parts.reduce((sum, p) => sum + p.indices.length, 0);
  const x = new Float32Array(n * length * channels);
  const mask = new Float32Array(n * channels);
  const context = new Float32Array(n * contextSize);
  const labels: Int32Array[] = [];
  const offsets: number[] = [];
  let at = 0;
  for (const part of parts) {
    const gathered = part.windows.gather(part.indices);
    x.set(gathered.x, at * length * channels);
    mask.set(gathered.mask, at * channels);
    context.set(part.windows.context(part.indices), at * contextSize);
    const partStep = part.head?.step ?? step;
    labels.push(batchLabels(part.windows, part.head?.name ?? head, part.indices, partStep));
    offsets.push(partStep ? at * length : at);
    at += part.indices.length;
  }
  return {
    inputs: {
      x: tf.tensor3d(x, [n, length, channels]),
      mask: tf.tensor2d(mask, [n, channels]),
      context: tf.tensor2d(context, [n, contextSize]),
    },
    labels,
    offsets,
  };
}
