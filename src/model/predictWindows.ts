import * as tf from '@tensorflow/tfjs';
import type { SensorModel } from './sensorModel.js';
import type { LabelledWindows } from './training/windowBatch.js';
import { disposeInputs, windowBatch } from './training/windowBatch.js';

export interface WindowPredictions {
  /** Row-major logits [count, classes] per head ([count*windowLength, classes] for step heads). */
  logits: Record<string, Float32Array>;
  /** Row-major embeddings [count, recurrentUnits]. */
  embeddings: Float32Array;
  count: number;
}

/** Runs the model over windows in batches, keeping tensors only for one batch at a time. */
export async function predictWindows(
  model: SensorModel,
  windows: LabelledWindows,
  indices: readonly number[] = Array.from({ length: windows.count }, (_, i) => i),
  batchSize = 64,
): Promise<WindowPredictions> {
  const units = model.config.recurrentUnits;
  const embeddings = new Float32Array(indices.length * units);
  const logits: Record<string, Float32Array> = {};
  const rowsPerWindow = (reads: string): number => (reads === 'step' ? windows.length : 1);
  for (const head of model.config.heads) {
    logits[head.name] = new Float32Array(
      indices.length * rowsPerWindow(head.reads) * head.classes.length,
    );
  }
  for (let start = 0; start < indices.length; start += batchSize) {
    const batch = indices.slice(start, start + batchSize);
    const { inputs, clean } = windowBatch(windows, batch);
    const out = tf.tidy(() => {
      const result = model.forward(inputs);
      return [result.embedding, ...model.config.heads.map((h) => result.logits[h.name]!)];
    });
    disposeInputs(inputs);
    clean.dispose();
    const values = await Promise.all(out.map((t) => t.data() as Promise<Float32Array>));
    tf.dispose(out);
    embeddings.set(values[0]!, start * units);
    model.config.heads.forEach((head, h) => {
      logits[head.name]!.set(
        values[h + 1]!,
        start * rowsPerWindow(head.reads) * head.classes.length,
      );
    });
  }
  return { logits, embeddings, count: indices.length };
}
