import * as tf from '@tensorflow/tfjs';
import { AdaptdError } from '../errors.js';
import { adapterGroups, headGroup } from '../model/modelConfig.js';
import type { SensorModel } from '../model/sensorModel.js';
import { GroupOptimizer } from './training/groupOptimizer.js';
import { sourceAndSupport } from './training/labelSources.js';
import { defaultSchedule } from './training/learningRateSchedule.js';
import { modelPredictor } from './training/modelPredictor.js';
import { trainSupervised, type LabelSource } from './training/supervisedLoop.js';
import { taskHead } from './training/taskHead.js';
import type {
  AdaptedPredictor,
  StrategyOptions,
  TransferData,
  TransferStrategy,
  TransferTask,
} from './strategy.js';

export interface AdapterSettings {
  /** Weight of an L2 penalty towards the starting values of the trained variables; 0 off. */
  anchor: number;
  weightDecay: number;
  /** Heads trained beside the task's (multi-task label sources name them); none when undefined. */
  alsoHeads?: readonly string[];
  /** Steps when the caller gives none (default 200). */
  steps?: number;
  /** Learning rate when the caller gives none (default 3e-3). */
  learningRate?: number;
}

const DEFAULTS = { steps: 200, batchSize: 32, learningRate: 3e-3 };

/**
 * Trains only the bottleneck adapters inside the encoder blocks (`adapter.*`) and the
 * task's head of a copy of `base`, on the given labelled sets; the encoder's own
 * weights stay bit-identical. The adapters start as the identity (zero up-projection),
 * so the copy starts equal to the source model. Weight decay pulls the adapters back
 * towards the identity; `anchor` adds a pull towards the starting head as well.
 * Defaults: 200 steps, batch 32, rate 3e-3.
 */
export async function trainAdapters(
  base: SensorModel,
  task: TransferTask,
  sources: (batchSize: number) => LabelSource[],
  options: StrategyOptions,
  settings: AdapterSettings,
): Promise<AdaptedPredictor> {
  const steps = options.steps ?? settings.steps ?? DEFAULTS.steps;
  const model = base.clone();
  try {
    const head = taskHead(model, task);
    const heads = [task.head, ...(settings.alsoHeads ?? []).filter((h) => h !== task.head)];
    const groups = [...adapterGroups(model.config), ...heads.map((h) => headGroup(h))];
    const rate = options.learningRate ?? settings.learningRate ?? DEFAULTS.learningRate;
    const optimizer = new GroupOptimizer(model.store, {
      rates: Object.fromEntries(groups.map((g) => [g, rate])),
      weightDecay: settings.weightDecay,
      schedule: defaultSchedule(steps),
      clipNorm: 1,
    });
    const trained = model.store.inGroups(groups);
    const start = settings.anchor > 0 ? trained.map((v) => v.clone()) : [];
    try {
      await trainSupervised({
        model,
        head,
        sources: sources(options.batchSize ?? DEFAULTS.batchSize),
        optimizer,
        steps,
        seed: options.seed,
        penalty:
          settings.anchor > 0
            ? () =>
                tf.mul(
                  tf.addN(trained.map((v, i) => tf.sum(tf.square(tf.sub(v, start[i]!))))),
                  settings.anchor,
                ) as tf.Scalar
            : undefined,
        onProgress: options.onProgress,
      });
    } finally {
      optimizer.dispose();
      tf.dispose(start);
    }
    return modelPredictor(model, task.head, model.store.parameterCount(groups));
  } catch (error) {
    model.dispose();
    throw error;
  }
}

/**
 * Adapter transfer on source plus support labels. Adapter slots are shared by all heads
 * of a model, so multi-task transfer makes one adapted copy per task (multiTaskAdapters).
 */
export function adapterStrategy(name: string, settings: AdapterSettings): TransferStrategy {
  return {
    name,
    needsLabels: true,
    adapt(base, task, data, options) {
      const support = data.support;
      if (support === undefined) {
        return Promise.reject(
          new AdaptdError('TRAINING_FAILED', `${name} needs labelled target windows (support)`),
        );
      }
      return trainAdapters(
        base,
        task,
        (batchSize) => sourceAndSupport({ ...data, support }, task, batchSize),
        options,
        settings,
      );
    },
  };
}

export const adapters = adapterStrategy('adapters', { anchor: 0, weightDecay: 0.01 });

/**
 * Per-task adapters and heads (operation, tool condition, motion command...): one
 * adapted copy of `base` per task, each with its own adapters. On a failure the copies
 * made so far are disposed.
 */
export async function multiTaskAdapters(
  base: SensorModel,
  tasks: readonly TransferTask[],
  data: TransferData,
  options: StrategyOptions,
  strategy: TransferStrategy = adapters,
): Promise<Map<string, AdaptedPredictor>> {
  const adapted = new Map<string, AdaptedPredictor>();
  try {
    for (const task of tasks)
      adapted.set(task.head, await strategy.adapt(base, task, data, options));
    return adapted;
  } catch (error) {
    for (const predictor of adapted.values()) predictor.dispose();
    throw error;
  }
}
