import * as tf from '@tensorflow/tfjs';
import { dense } from '../../model/layers/dense.js';
import { ParameterStore } from '../../model/parameterStore.js';
import { seededRandom } from '../../util/random.js';

/**
 * A small MLP telling source (label 0) from target (label 1) embeddings, for DANN. Its
 * variables live in a store of their own, not the model's: they are thrown away after
 * adaptation and must not end up in the adapted model's saved weights.
 */
export class DomainClassifier {
  private readonly store: ParameterStore;

  constructor(
    features: number,
    private readonly hidden: number,
    seed: number,
  ) {
    this.store = new ParameterStore(seededRandom(seed));
    // Made now, so an optimizer given `variables()` before the first step sees all of them.
    tf.tidy(() => {
      this.logits(tf.zeros([1, features]));
    });
  }

  /** Domain logits [n, 1] from features [n, features]. */
  logits(features: tf.Tensor2D): tf.Tensor2D {
    const hidden = tf.relu(dense(this.store, 'domain.hidden', 'domain', features, this.hidden));
    return dense(this.store, 'domain.output', 'domain', hidden, 1);
  }

  /**
   * Mean sigmoid cross-entropy of source features [n, d] as domain 0 and target features
   * [m, d] as domain 1, weighting both domains equally whatever n and m.
   */
  loss(source: tf.Tensor2D, target: tf.Tensor2D): tf.Scalar {
    return tf.tidy(() => {
      const sourceLoss = tf.losses.sigmoidCrossEntropy(
        tf.zeros([source.shape[0], 1]),
        this.logits(source),
      );
      const targetLoss = tf.losses.sigmoidCrossEntropy(
        tf.ones([target.shape[0], 1]),
        this.logits(target),
      );
      return tf.div(tf.add(sourceLoss, targetLoss), 2) as tf.Scalar;
    });
  }

  variables(): tf.Variable[] {
    return this.store.inGroups(['domain']);
  }

  dispose(): void {
    this.store.dispose();
  }
}
