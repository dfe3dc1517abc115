import * as tf from '@tensorflow/tfjs';
import { AdaptdError } from '../../errors.js';
import { dense } from '../../model/layers/dense.js';
import type { ParameterStore } from '../../model/parameterStore.js';
import { balancedClassWeights, maskedCrossEntropy } from '../../model/training/lossTerms.js';
import { seededRandom } from '../../util/random.js';
import { GroupOptimizer } from '../training/groupOptimizer.js';
import { indexCycler } from '../training/indexCycler.js';
import { defaultSchedule } from '../training/learningRateSchedule.js';

/** A new head on embeddings: linear, or one hidden ReLU layer when `hidden` is set. */
export interface ProbeShape {
  /** Layer group (and name prefix) of the head's variables in the store. */
  group: string;
  /** Width of the embeddings it reads. */
  units: number;
  classes: number;
  hidden?: number;
}

/** Logits [n, classes] of the probe on features [n, units]; creates its variables on first use. */
export function probeLogits(
  store: ParameterStore,
  shape: ProbeShape,
  features: tf.Tensor2D,
): tf.Tensor2D {
  const { group, classes, hidden } = shape;
  const input =
    hidden === undefined
      ? features
      : tf.relu(dense(store, `${group}.hidden`, group, features, hidden));
  return dense(store, `${group}.out`, group, input, classes);
}

/** Labelled embeddings feeding one loss term of probe training. */
export interface EmbeddingSet {
  /** Row-major embeddings [n, units]. */
  rows: Float32Array;
  /** Class per row, -1 unknown. */
  labels: Int32Array;
  weight: number;
  perBatch: number;
}

export interface ProbeTraining {
  steps: number;
  learningRate: number;
  weightDecay: number;
  seed: number;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Trains only the probe's variables on cached embeddings with a class-balanced
 * cross-entropy per set; the encoder never runs here, which is what makes feature
 * extraction cheap (about a millisecond a step).
 */
export async function trainProbe(
  store: ParameterStore,
  shape: ProbeShape,
  sets: readonly EmbeddingSet[],
  training: ProbeTraining,
): Promise<void> {
  const { units } = shape;
  // Creates the probe's variables so that the optimizer finds its group.
  tf.tidy(() => {
    probeLogits(store, shape, tf.zeros([1, units]));
  });
  const random = seededRandom(training.seed);
  const feeds = sets.map((set) => ({
    set,
    draw: indexCycler(
      Array.from(set.labels.keys()).filter((i) => set.labels[i]! >= 0),
      random,
    ),
    classWeights: balancedClassWeights(set.labels, shape.classes),
  }));
  const optimizer = new GroupOptimizer(store, {
    rates: { [shape.group]: training.learningRate },
    weightDecay: training.weightDecay,
    schedule: defaultSchedule(training.steps),
  });
  try {
    for (let step = 0; step < training.steps; step += 1) {
      const batches = feeds.map((f) => {
        const picked = f.draw(f.set.perBatch);
        const rows = new Float32Array(picked.length * units);
        picked.forEach((r, i) =>
          rows.set(f.set.rows.subarray(r * units, (r + 1) * units), i * units),
        );
        return { rows, labels: Int32Array.from(picked, (r) => f.set.labels[r]!) };
      });
      const cost = optimizer.step(
        () =>
          tf.addN(
            feeds.map((f, k) => {
              const { rows, labels } = batches[k]!;
              const features = tf.tensor2d(rows, [labels.length, units]);
              const loss = maskedCrossEntropy(
                probeLogits(store, shape, features),
                labels,
                f.classWeights,
              );
              return tf.mul(loss, f.set.weight);
            }),
          ) as tf.Scalar,
      );
      const loss = (await cost.data())[0]!;
      cost.dispose();
      if (!Number.isFinite(loss)) {
        throw new AdaptdError('TRAINING_FAILED', `probe loss became ${loss} at step ${step}`, {
          context: { step, group: shape.group },
        });
      }
      training.onProgress?.(step + 1, training.steps);
    }
  } finally {
    optimizer.dispose();
  }
}

/** Class probabilities [n, classes] of the probe on row-major embeddings [n, units]. */
export async function probeProbabilities(
  store: ParameterStore,
  shape: ProbeShape,
  rows: Float32Array,
): Promise<Float32Array> {
  const { units } = shape;
  const probabilities = tf.tidy(() =>
    tf.softmax(probeLogits(store, shape, tf.tensor2d(rows, [rows.length / units, units]))),
  );
  const values = (await probabilities.data()) as Float32Array;
  probabilities.dispose();
  return values;
}
