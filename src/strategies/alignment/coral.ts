import * as tf from '@tensorflow/tfjs';
import { AdaptdError } from '../../errors.js';

/** Unbiased covariance of the rows of x [n, d]: [d, d]. */
function covariance(x: tf.Tensor2D): tf.Tensor2D {
  const centred = tf.sub(x, tf.mean(x, 0, true));
  return tf.div(tf.matMul(centred, centred, true, false), x.shape[0] - 1);
}

/**
 * The CORAL loss |C_s - C_t|_F^2 / (4 d^2) between source features [n, d] and target
 * features [m, d], a differentiable scalar (Sun and Saenko 2016). It matches second-order
 * statistics only: a pure shift of the mean costs nothing, so pair it with a task loss.
 */
export function coralLoss(source: tf.Tensor2D, target: tf.Tensor2D): tf.Scalar {
  const [n, d] = source.shape;
  const [m, targetDim] = target.shape;
  if (n < 2 || m < 2 || d !== targetDim) {
    throw new AdaptdError(
      'INTERNAL',
      `CORAL needs two or more rows per side of equal width, got [${n}, ${d}] and ` +
        `[${m}, ${targetDim}]`,
      { context: { n, m, d, targetDim } },
    );
  }
  return tf.tidy(() => {
    const difference = tf.sub(covariance(source), covariance(target));
    return tf.div(tf.sum(tf.square(difference)), 4 * d * d);
  });
}
