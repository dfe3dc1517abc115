import { AdaptdError } from '../errors.js';
import { GroupOptimizer } from './training/groupOptimizer.js';
import { sourceAndSupport } from './training/labelSources.js';
import { defaultSchedule } from './training/learningRateSchedule.js';
import { layerUnits, layerwiseRates, unfreezingSchedule } from './training/layerwiseSchedule.js';
import { modelPredictor } from './training/modelPredictor.js';
import { trainSupervised } from './training/supervisedLoop.js';
import { taskHead } from './training/taskHead.js';
import type { TransferStrategy } from './strategy.js';

export interface FineTuneSettings {
  name: string;
  /** Unfreeze one layer unit per stage, top-down, instead of training all from the start. */
  gradual: boolean;
  /** Rate of a unit relative to the unit above it. */
  decay: number;
  weightDecay: number;
  /** Loss weight of the support windows against the source windows' weight of 1. */
  supportWeight: number;
}

const DEFAULTS = { steps: 200, batchSize: 32, learningRate: 1e-3 };

/**
 * Fine-tuning of the whole encoder and the task head on source plus support labels,
 * with discriminative learning rates: each layer unit (see layerUnits) trains at
 * `decay` times the rate of the unit above, the head at the base rate. With `gradual`,
 * units unfreeze top-down, one more per stage. The adapter slots train with their
 * block (a fresh adapter's up-projection is zero, so it starts as the identity).
 * Heads other than the task's and the reconstruction head stay as they were.
 * Defaults: 200 steps, batch 32 (half support when given), base rate 1e-3.
 */
export function fineTuneStrategy(settings: FineTuneSettings): TransferStrategy {
  return {
    name: settings.name,
    needsLabels: true,
    async adapt(base, task, data, options) {
      if (data.support === undefined) {
        throw new AdaptdError(
          'TRAINING_FAILED',
          `${settings.name} needs labelled target windows (support); none were given`,
        );
      }
      const steps = options.steps ?? DEFAULTS.steps;
      const batchSize = options.batchSize ?? DEFAULTS.batchSize;
      const model = base.clone();
      try {
        const head = taskHead(model, task);
        const units = layerUnits(model.config, task.head);
        const rates = layerwiseRates(
          units,
          options.learningRate ?? DEFAULTS.learningRate,
          settings.decay,
        );
        const stages = settings.gradual
          ? unfreezingSchedule(units, steps)
          : [{ start: 0, groups: units.flat() }];
        const ratesOf = (groups: string[]): Record<string, number> =>
          Object.fromEntries(groups.map((g) => [g, rates[g]!]));
        const optimizer = new GroupOptimizer(model.store, {
          rates: ratesOf(stages[0]!.groups),
          weightDecay: settings.weightDecay,
          schedule: defaultSchedule(steps),
          clipNorm: 1,
        });
        try {
          await trainSupervised({
            model,
            head,
            sources: sourceAndSupport(data, task, batchSize, {
              source: 1,
              support: settings.supportWeight,
            }),
            optimizer,
            steps,
            seed: options.seed,
            beforeStep: (step) => {
              const stage = stages.find((s) => s.start === step);
              if (stage !== undefined && step > 0) optimizer.setRates(ratesOf(stage.groups));
            },
            onProgress: options.onProgress,
          });
        } finally {
          optimizer.dispose();
        }
        const trained = stages[stages.length - 1]!.groups;
        return modelPredictor(model, task.head, model.store.parameterCount(trained));
      } catch (error) {
        model.dispose();
        throw error;
      }
    },
  };
}

export const fineTuneLlrd = fineTuneStrategy({
  name: 'finetune-llrd',
  gradual: false,
  decay: 1 / 2.6,
  weightDecay: 0.01,
  supportWeight: 1,
});

export const fineTuneGradual = fineTuneStrategy({
  name: 'finetune-gradual',
  gradual: true,
  decay: 1 / 2.6,
  weightDecay: 0.01,
  supportWeight: 1,
});
