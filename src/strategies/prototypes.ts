import { AdaptdError } from '../errors.js';
import { seededRandom, shuffled } from '../util/random.js';
import { embeddingPredictor } from './embedding/embeddingPredictor.js';
import { Standardiser } from './embedding/standardiser.js';
import { PrototypeClassifier, type PrototypeDistance } from './fewShot/prototypeClassifier.js';
import { embedWindows } from './training/embedWindows.js';
import { labelledIndices } from './training/taskHead.js';
import type { TransferStrategy } from './strategy.js';

export interface PrototypeSettings {
  name: string;
  distance: PrototypeDistance;
  /** Most unlabelled target windows embedded to fit the standardisation. */
  targetLimit: number;
}

/**
 * Prototypical few-shot classification on the frozen encoder: one prototype per class,
 * the mean standardised embedding of its support windows. The standardisation
 * statistics come from the pooled unlabelled target windows (no labels read), so the
 * distances are measured in the target's own scale; with no target windows, from the
 * source. Nothing is trained (0 trainable parameters). Window-level tasks only.
 */
export function prototypeStrategy(settings: PrototypeSettings): TransferStrategy {
  return {
    name: settings.name,
    needsLabels: true,
    async adapt(base, task, data, options) {
      if (task.step === true) {
        throw new AdaptdError(
          'CONFIG_INVALID',
          `${settings.name} classifies pooled window embeddings; step task ${task.head} is not one`,
        );
      }
      if (data.support === undefined) {
        throw new AdaptdError(
          'TRAINING_FAILED',
          `${settings.name} needs labelled target windows (support); none were given`,
        );
      }
      const model = base.clone();
      try {
        const units = model.config.recurrentUnits;
        const pool = data.target.count > 0 ? data.target : data.source;
        const sample = shuffled(
          Array.from({ length: pool.count }, (_, i) => i),
          seededRandom(options.seed),
        ).slice(0, settings.targetLimit);
        const standardiser = Standardiser.fit(await embedWindows(model, pool, sample), units);
        const shots = labelledIndices(data.support, task.head, false, 'support');
        const rows = standardiser.apply(await embedWindows(model, data.support, shots));
        const labels = data.support.labels[task.head]!;
        const classifier = new PrototypeClassifier(units, task.classes.length, settings.distance);
        shots.forEach((w, i) =>
          classifier.add(rows.subarray(i * units, (i + 1) * units), labels[w]!),
        );
        options.onProgress?.(1, 1);
        return embeddingPredictor(
          model,
          standardiser,
          (embeddings) => Promise.resolve(classifier.predict(embeddings)),
          0,
        );
      } catch (error) {
        model.dispose();
        throw error;
      }
    },
  };
}

export const prototypes = prototypeStrategy({
  name: 'prototypes',
  distance: 'squaredEuclidean',
  targetLimit: 4096,
});
