import type { SensorModel } from '../../model/sensorModel.js';
import type { LabelledWindows } from '../../model/training/windowBatch.js';
import type { AdaptedPredictor } from '../strategy.js';
import { embedWindows } from '../training/embedWindows.js';
import type { Standardiser } from './standardiser.js';

/**
 * The predictor of a strategy that classifies standardised pooled embeddings of a frozen
 * encoder: `classify` maps rows [n, units] to probabilities [n, classes]. `embed` gives
 * the standardised embeddings, the features the classifier reads. The predictor owns
 * the model copy (encoder plus any new head's variables) and disposes it.
 */
export function embeddingPredictor(
  model: SensorModel,
  standardiser: Standardiser,
  classify: (rows: Float32Array) => Promise<Float32Array>,
  trainableParameters: number,
): AdaptedPredictor {
  const embed = async (windows: LabelledWindows): Promise<Float32Array> =>
    standardiser.apply(await embedWindows(model, windows));
  return {
    predict: async (windows) => classify(await embed(windows)),
    embed,
    trainableParameters,
    dispose: () => model.dispose(),
  };
}
