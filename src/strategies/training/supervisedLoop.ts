import * as tf from '@tensorflow/tfjs';
import { AdaptdError } from '../../errors.js';
import type { HeadConfig } from '../../model/modelConfig.js';
import type { SensorModel } from '../../model/sensorModel.js';
import { balancedClassWeights, maskedCrossEntropy } from '../../model/training/lossTerms.js';
import { disposeInputs, type LabelledWindows } from '../../model/training/windowBatch.js';
import { seededRandom } from '../../util/random.js';
import type { GroupOptimizer } from './groupOptimizer.js';
import { indexCycler } from './indexCycler.js';
import { mixedBatch } from './mixedBatch.js';
import { labelledIndices } from './taskHead.js';

/** One labelled window set feeding a loss term. */
export interface LabelSource {
  /** What the set is ('source', 'support', 'target'), for error messages. */
  name: string;
  windows: LabelledWindows;
  /** Windows drawn from this set for every batch. */
  perBatch: number;
  /** Weight of this set's class-balanced cross-entropy in the loss. */
  weight: number;
  /**
   * The head this set's labels train, when not the run's head (multi-task: e.g. free
   * G-code motion labels on target windows beside source operation labels).
   */
  head?: HeadConfig;
}

export interface SupervisedRun {
  model: SensorModel;
  head: HeadConfig;
  sources: readonly LabelSource[];
  optimizer: GroupOptimizer;
  steps: number;
  seed: number;
  /** An extra loss term, e.g. an L2 anchor towards the source weights. */
  penalty?: () => tf.Scalar;
  /** Called before each step (gradual unfreezing changes the trained groups here). */
  beforeStep?: (step: number) => void;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Trains the model's own head (and whatever groups the optimizer holds) on several
 * labelled sets at once: each batch takes `perBatch` windows from every set, cycling
 * through a set's labelled windows in a fresh shuffled order each pass, so a few
 * support windows recur while the source set streams past. Returns the loss per step.
 */
export async function trainSupervised(run: SupervisedRun): Promise<number[]> {
  const random = seededRandom(run.seed);
  const step = run.head.reads === 'step';
  const feeds = run.sources.map((source) => {
    const head = source.head ?? run.head;
    const headStep = head.reads === 'step';
    return {
      source,
      head,
      headStep,
      classes: head.classes.length,
      cycle: indexCycler(labelledIndices(source.windows, head.name, headStep, source.name), random),
      classWeights: balancedClassWeights(source.windows.labels[head.name]!, head.classes.length),
    };
  });
  const losses: number[] = [];
  for (let s = 0; s < run.steps; s += 1) {
    run.beforeStep?.(s);
    const parts = feeds.map((f) => ({
      windows: f.source.windows,
      indices: f.cycle(f.source.perBatch),
      head: { name: f.head.name, step: f.headStep },
    }));
    const batch = mixedBatch(parts, run.head.name, step);
    let cost: tf.Scalar;
    try {
      cost = run.optimizer.step(() => {
        const logits = run.model.forward(batch.inputs).logits;
        const terms = feeds.map((f, p) => {
          const labels = batch.labels[p]!;
          const rows = tf.slice(
            logits[f.head.name]!,
            [batch.offsets[p]!, 0],
            [labels.length, f.classes],
          );
          return tf.mul(maskedCrossEntropy(rows, labels, f.classWeights), f.source.weight);
        });
        if (run.penalty !== undefined) terms.push(run.penalty());
        return tf.addN(terms) as tf.Scalar;
      });
    } finally {
      disposeInputs(batch.inputs);
    }
    const loss = (await cost.data())[0]!;
    cost.dispose();
    if (!Number.isFinite(loss)) {
      throw new AdaptdError('TRAINING_FAILED', `adaptation loss became ${loss} at step ${s}`, {
        context: { step: s, head: run.head.name },
      });
    }
    losses.push(loss);
    run.onProgress?.(s + 1, run.steps);
  }
  return losses;
}
