import * as tf from '@tensorflow/tfjs';
import { predictWindows } from '../model/predictWindows.js';
import type { SensorModel } from '../model/sensorModel.js';
import type { LabelledWindows } from '../model/training/windowBatch.js';
import type { AdaptedPredictor } from '../strategies/strategy.js';

/** The source model's own head, unadapted: the reference row every strategy is read against. */
export function sourceOnlyPredictor(model: SensorModel, head: string): AdaptedPredictor {
  const classes = model.config.heads.find((h) => h.name === head)!.classes.length;
  return {
    async predict(windows: LabelledWindows): Promise<Float32Array> {
      const logits = (await predictWindows(model, windows)).logits[head]!;
      return tf.tidy(
        () =>
          tf
            .softmax(tf.tensor2d(logits, [logits.length / classes, classes]))
            .dataSync() as Float32Array,
      );
    },
    async embed(windows: LabelledWindows): Promise<Float32Array> {
      return (await predictWindows(model, windows)).embeddings;
    },
    trainableParameters: 0,
    dispose(): void {},
  };
}
