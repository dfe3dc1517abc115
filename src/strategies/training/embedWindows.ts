import * as tf from '@tensorflow/tfjs';
import type { SensorModel } from '../../model/sensorModel.js';
import {
  disposeInputs,
  windowBatch,
  type LabelledWindows,
} from '../../model/training/windowBatch.js';

/**
 * Pooled embeddings of windows, row-major [indices.length, recurrentUnits], computed
 * without the heads and one batch of tensors at a time.
 */
export async function embedWindows(
  model: SensorModel,
  windows: LabelledWindows,
  indices: readonly number[] = Array.from({ length: windows.count }, (_, i) => i),
  batchSize = 64,
): Promise<Float32Array> {
  const units = model.config.recurrentUnits;
  const out = new Float32Array(indices.length * units);
  for (let start = 0; start < indices.length; start += batchSize) {
    const { inputs, clean } = windowBatch(windows, indices.slice(start, start + batchSize));
    const embedding = tf.tidy(() => model.forward(inputs, { headless: true }).embedding);
    disposeInputs(inputs);
    clean.dispose();
    out.set((await embedding.data()) as Float32Array, start * units);
    embedding.dispose();
  }
  return out;
}
