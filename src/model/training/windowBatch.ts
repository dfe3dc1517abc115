import * as tf from '@tensorflow/tfjs';
import { gaussian } from '../../util/random.js';
import type { ModelInputs } from '../sensorModel.js';

/** Windows as training and inference read them: typed arrays, gathered per batch. */
export interface LabelledWindows {
  count: number;
  length: number;
  channels: number;
  contextSize: number;
  /** x [n, length, channels] normalised, mask [n, channels]. */
  gather(indices: readonly number[]): { x: Float32Array; mask: Float32Array };
  /** One-hot controller state [n, contextSize]. */
  context(indices: readonly number[]): Float32Array;
  /**
   * Class index per window for each head, or per row ([count*length]) for step heads;
   * -1 where unknown.
   */
  labels: Record<string, Int32Array>;
  /**
   * Where known, the index of the run each window was cut from; a run's windows come in
   * the order they were recorded.
   */
  run?: Int32Array;
}

/** The labels of `batch` for one head: one per window, or `length` per window for step heads. */
export function batchLabels(
  windows: LabelledWindows,
  head: string,
  batch: readonly number[],
  step: boolean,
): Int32Array {
  const all = windows.labels[head]!;
  if (!step) return Int32Array.from(batch, (i) => all[i]!);
  const { length } = windows;
  const out = new Int32Array(batch.length * length);
  batch.forEach((w, n) => out.set(all.subarray(w * length, (w + 1) * length), n * length));
  return out;
}

export interface Augmentation {
  random: () => number;
  /** Standard deviation of Gaussian noise added to present values. */
  noise: number;
  /** Chance that a window loses some of its sensor units (boards). */
  unitDropChance: number;
  /** Share of units dropped when it does. */
  unitDropShare: number;
  /** Unit (board) index of each channel, for dropping whole boards at once. */
  channelUnits: Int32Array;
}

/**
 * Builds the input tensors for a batch from typed arrays (never by slicing a large
 * tensor, which copies the whole source on wasm). With augmentation, whole boards are
 * masked out at random, teaching the encoder to live with missing sensors.
 */
export function windowBatch(
  windows: LabelledWindows,
  indices: readonly number[],
  augmentation?: Augmentation,
): { inputs: ModelInputs; clean: tf.Tensor3D } {
  const { x, mask } = windows.gather(indices);
  const n = indices.length;
  const { length, channels } = windows;
  const clean = tf.tensor3d(x, [n, length, channels]);
  if (augmentation !== undefined) augment(x, mask, n, length, channels, augmentation);
  const inputs: ModelInputs = {
    x: augmentation === undefined ? clean.clone() : tf.tensor3d(x, [n, length, channels]),
    mask: tf.tensor2d(mask, [n, channels]),
    context: tf.tensor2d(windows.context(indices), [n, windows.contextSize]),
  };
  return { inputs, clean };
}

function augment(
  x: Float32Array,
  mask: Float32Array,
  n: number,
  length: number,
  channels: number,
  a: Augmentation,
): void {
  const units = Math.max(...a.channelUnits) + 1;
  for (let w = 0; w < n; w += 1) {
    const windowMask = mask.subarray(w * channels, (w + 1) * channels);
    if (a.random() < a.unitDropChance) {
      const dropped = new Uint8Array(units);
      for (let u = 0; u < units; u += 1) dropped[u] = a.random() < a.unitDropShare ? 1 : 0;
      for (let c = 0; c < channels; c += 1) {
        if (dropped[a.channelUnits[c]!] === 1) windowMask[c] = 0;
      }
    }
    for (let t = 0; t < length; t += 1) {
      const row = (w * length + t) * channels;
      for (let c = 0; c < channels; c += 1) {
        x[row + c] = windowMask[c] === 0 ? 0 : x[row + c]! + gaussian(a.random) * a.noise;
      }
    }
  }
}

export function disposeInputs(inputs: ModelInputs): void {
  tf.dispose([inputs.x, inputs.mask, inputs.context]);
}
