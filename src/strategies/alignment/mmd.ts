import * as tf from '@tensorflow/tfjs';
import {
  checkMmdSizes,
  DEFAULT_KERNEL_MULTIPLIERS,
  medianOffDiagonal,
  STANDARDISE_EPSILON,
  type MmdOptions,
} from './mmdStatistic.js';

/**
 * Weights that turn the sum over a pooled Gram matrix [(n+m), (n+m)] into the unbiased
 * MMD^2: 1/(n(n-1)) within X and 1/(m(m-1)) within Y off the diagonal, -1/(nm) across.
 */
function estimatorWeights(n: number, m: number): Float32Array {
  const rows = n + m;
  const weights = new Float32Array(rows * rows);
  for (let i = 0; i < rows; i += 1) {
    for (let j = 0; j < rows; j += 1) {
      if (i === j) continue;
      const xi = i < n;
      const xj = j < n;
      if (xi && xj) weights[i * rows + j] = 1 / (n * (n - 1));
      else if (!xi && !xj) weights[i * rows + j] = 1 / (m * (m - 1));
      else weights[i * rows + j] = -1 / (n * m);
    }
  }
  return weights;
}

/**
 * Unbiased multi-kernel MMD^2 between x [n, d] and y [m, d] as differentiable ops,
 * returning a scalar. Rows are standardised with the pooled mean and variance (inside the
 * graph, so the encoder cannot lower the loss by shrinking its features); kernels are
 * Gaussians of widths multiplier * the median pairwise distance. The bandwidth is read as
 * a number and carries no gradient: otherwise the loss could be lowered by widening the
 * kernels instead of moving the samples together. Agrees with `mmdSquared`.
 */
export function mmdLoss(x: tf.Tensor2D, y: tf.Tensor2D, options: MmdOptions = {}): tf.Scalar {
  const [n, dim] = x.shape;
  const m = y.shape[0];
  checkMmdSizes(n, m, dim);
  const multipliers = options.multipliers ?? DEFAULT_KERNEL_MULTIPLIERS;
  return tf.tidy(() => {
    const pooled = tf.concat([x, y], 0);
    const { mean, variance } = tf.moments(pooled, 0, true);
    const z = tf.div(tf.sub(pooled, mean), tf.sqrt(tf.add(variance, STANDARDISE_EPSILON)));
    const norms = tf.sum(tf.square(z), 1, true);
    // |a-b|^2 = |a|^2 + |b|^2 - 2ab, clipped at 0 against rounding.
    const squared = tf.relu(
      tf.sub(tf.add(norms, tf.transpose(norms)), tf.mul(2, tf.matMul(z, z, false, true))),
    );
    const bandwidth = medianOffDiagonal(squared.dataSync(), n + m);
    const kernel = tf.addN(
      multipliers.map((c) => tf.exp(tf.mul(squared, -1 / (2 * c * c * bandwidth)))),
    );
    const weights = tf.tensor2d(estimatorWeights(n, m), [n + m, n + m]);
    return tf.sum(tf.mul(kernel, weights));
  });
}
