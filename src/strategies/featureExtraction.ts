import { AdaptdError } from '../errors.js';
import { seededRandom, shuffled } from '../util/random.js';
import { embeddingPredictor } from './embedding/embeddingPredictor.js';
import { probeProbabilities, trainProbe, type EmbeddingSet } from './embedding/probeHead.js';
import { Standardiser } from './embedding/standardiser.js';
import { embedWindows } from './training/embedWindows.js';
import { labelledIndices } from './training/taskHead.js';
import type { TransferStrategy } from './strategy.js';

export interface FeatureExtractionSettings {
  name: string;
  /** A linear head, or an MLP with one hidden ReLU layer as wide as the embedding. */
  head: 'linear' | 'mlp';
  /** Train on the support windows too; without them this is the source-only head. */
  useSupport: boolean;
  /** Loss weight of the support windows against the source windows' weight of 1. */
  supportWeight: number;
  weightDecay: number;
  /** Most source windows embedded: a random labelled subset beyond this. */
  sourceLimit: number;
}

const DEFAULTS = { steps: 300, batchSize: 64, learningRate: 1e-2 };

/**
 * Feature extraction: the pretrained encoder stays frozen, the pooled embedding of
 * every training window is computed once, and a new head (`head.probe.<task>`) learns
 * on them. It trains on the labelled source windows plus, when given, the support
 * windows (weighted `supportWeight`, half of each batch); without support it is the
 * source-only head. Embeddings are standardised with the statistics of the source
 * training embeddings, the set the head mostly learns from. Window-level tasks only:
 * the pooled embedding has no per-row features for step heads.
 * Defaults: 300 steps, batch 64, rate 1e-2.
 */
export function featureExtractionStrategy(settings: FeatureExtractionSettings): TransferStrategy {
  return {
    name: settings.name,
    needsLabels: false,
    async adapt(base, task, data, options) {
      if (task.step === true) {
        throw new AdaptdError(
          'CONFIG_INVALID',
          `${settings.name} classifies pooled window embeddings; step task ${task.head} needs ` +
            'per-row features (use fine-tuning or adapters)',
        );
      }
      const steps = options.steps ?? DEFAULTS.steps;
      const batchSize = options.batchSize ?? DEFAULTS.batchSize;
      const model = base.clone();
      try {
        const units = model.config.recurrentUnits;
        const shape = {
          group: `head.probe.${task.head}`,
          units,
          classes: task.classes.length,
          hidden: settings.head === 'mlp' ? units : undefined,
        };
        const random = seededRandom(options.seed);
        const sourceIndices = shuffled(
          labelledIndices(data.source, task.head, false, 'source'),
          random,
        ).slice(0, settings.sourceLimit);
        const sourceRows = await embedWindows(model, data.source, sourceIndices);
        const standardiser = Standardiser.fit(sourceRows, units);
        const labelsOf = (all: Int32Array, indices: number[]): Int32Array =>
          Int32Array.from(indices, (i) => all[i]!);
        const sets: EmbeddingSet[] = [
          {
            rows: standardiser.apply(sourceRows),
            labels: labelsOf(data.source.labels[task.head]!, sourceIndices),
            weight: 1,
            perBatch: batchSize,
          },
        ];
        if (settings.useSupport && data.support !== undefined) {
          const indices = labelledIndices(data.support, task.head, false, 'support');
          const shots = Math.min(indices.length, Math.ceil(batchSize / 2));
          sets[0]!.perBatch = batchSize - shots;
          sets.push({
            rows: standardiser.apply(await embedWindows(model, data.support, indices)),
            labels: labelsOf(data.support.labels[task.head]!, indices),
            weight: settings.supportWeight,
            perBatch: shots,
          });
        }
        await trainProbe(model.store, shape, sets, {
          steps,
          learningRate: options.learningRate ?? DEFAULTS.learningRate,
          weightDecay: settings.weightDecay,
          seed: options.seed,
          onProgress: options.onProgress,
        });
        return embeddingPredictor(
          model,
          standardiser,
          (rows) => probeProbabilities(model.store, shape, rows),
          model.store.parameterCount([shape.group]),
        );
      } catch (error) {
        model.dispose();
        throw error;
      }
    },
  };
}

const probe = { supportWeight: 1, weightDecay: 1e-3, sourceLimit: 4096 };

export const linearProbe = featureExtractionStrategy({
  ...probe,
  name: 'linear-probe',
  head: 'linear',
  useSupport: true,
});

export const mlpProbe = featureExtractionStrategy({
  ...probe,
  name: 'mlp-probe',
  head: 'mlp',
  useSupport: true,
});

/** The baseline every adaptation must beat: a head on frozen features from source labels. */
export const sourceOnlyProbe = featureExtractionStrategy({
  ...probe,
  name: 'source-only',
  head: 'linear',
  useSupport: false,
});
