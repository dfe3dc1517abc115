import { predictWindows } from '../../model/predictWindows.js';
import type { SensorModel } from '../../model/sensorModel.js';
import type { AdaptedPredictor } from '../strategy.js';
import { embedWindows } from './embedWindows.js';

/**
 * The predictor of a strategy that adapts a whole model: the model's own head for the
 * task, turned into probabilities. The predictor owns the model and disposes it.
 */
export function modelPredictor(
  model: SensorModel,
  head: string,
  trainableParameters: number,
): AdaptedPredictor {
  const classes = model.config.heads.find((h) => h.name === head)!.classes.length;
  return {
    async predict(windows) {
      const { logits } = await predictWindows(model, windows);
      return softmaxRows(logits[head]!, classes);
    },
    embed: (windows) => embedWindows(model, windows),
    trainableParameters,
    model,
    dispose: () => model.dispose(),
  };
}

/** Row-wise softmax of row-major logits [rows, classes], stable against large values. */
export function softmaxRows(logits: Float32Array, classes: number): Float32Array {
  const out = new Float32Array(logits.length);
  for (let row = 0; row < logits.length; row += classes) {
    let max = -Infinity;
    for (let c = 0; c < classes; c += 1) max = Math.max(max, logits[row + c]!);
    let sum = 0;
    for (let c = 0; c < classes; c += 1) {
      const e = Math.exp(logits[row + c]! - max);
      out[row + c] = e;
      sum += e;
    }
    for (let c = 0; c < classes; c += 1) out[row + c]! /= sum;
  }
  return out;
}
