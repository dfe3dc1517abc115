import { adapterGroups, encoderGroups, headGroup } from '../../model/modelConfig.js';
import type { ModelConfig } from '../../model/modelConfig.js';
import type { SensorModel } from '../../model/sensorModel.js';
import { modelPredictor } from '../training/modelPredictor.js';
import { taskHead } from '../training/taskHead.js';
import type { TransferStrategy } from '../strategy.js';
import { trainAlignment, type AlignmentTerm } from './alignmentLoop.js';

/**
 * Which layer groups an alignment strategy trains with the task head: the adapters
 * only; the adapters and the top of the encoder (recurrent layer and pooling); or the
 * whole feature path.
 */
export type TrainableScope = 'adapters' | 'top' | 'all';

export function trainableGroups(
  config: ModelConfig,
  head: string,
  scope: TrainableScope,
): string[] {
  const adapters = adapterGroups(config);
  switch (scope) {
    case 'adapters':
      return [...adapters, headGroup(head)];
    case 'top':
      return [...adapters, 'recurrent', 'pool', headGroup(head)];
    case 'all':
      return [...encoderGroups(config), ...adapters, headGroup(head)];
  }
}

/** An alignment term for one run, with whatever it owns to release afterwards. */
export type OwnedTerm = AlignmentTerm & { dispose(): void };

export interface AlignmentStrategySettings {
  name: string;
  scope: TrainableScope;
  /** Builds the term for a run on `model` (the strategy's own copy). */
  term(model: SensorModel, seed: number): OwnedTerm;
}

const DEFAULTS = { steps: 200, batchSize: 32, learningRate: 1e-3 };

/**
 * A label-free alignment strategy: on its own copy of the base model, trains the scope's
 * groups on source cross-entropy plus the alignment term between source and target
 * embeddings (plus support cross-entropy when given). Target labels are never read.
 * Defaults: 200 steps, 32 windows per domain a batch, Adam at 1e-3. The trainable
 * parameter count covers the model only, not a discarded domain classifier.
 */
export function alignmentStrategy(settings: AlignmentStrategySettings): TransferStrategy {
  return {
    name: settings.name,
    needsLabels: false,
    async adapt(base, task, data, options) {
      const model = base.clone();
      let term: OwnedTerm | undefined;
      try {
        const head = taskHead(model, task);
        const groups = trainableGroups(model.config, task.head, settings.scope);
        term = settings.term(model, options.seed);
        await trainAlignment({
          model,
          head,
          data,
          groups,
          term,
          steps: options.steps ?? DEFAULTS.steps,
          batchSize: options.batchSize ?? DEFAULTS.batchSize,
          learningRate: options.learningRate ?? DEFAULTS.learningRate,
          seed: options.seed,
          onProgress: options.onProgress,
        });
        return modelPredictor(model, task.head, model.store.parameterCount(groups));
      } catch (error) {
        model.dispose();
        throw error;
      } finally {
        term?.dispose();
      }
    },
  };
}
