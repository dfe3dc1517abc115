import * as tf from '@tensorflow/tfjs';

/**
 * Class-weighted cross-entropy over rows whose label is known.
 * logits [n, classes]; labels [n] int (-1 = unknown); classWeights [classes].
 * Returns 0 when no row is labelled, so a batch without labels adds nothing.
 */
export function maskedCrossEntropy(
  logits: tf.Tensor2D,
  labels: Int32Array,
  classWeights: Float32Array,
): tf.Scalar {
  return tf.tidy(() => {
    const classes = logits.shape[1];
    const known = new Float32Array(labels.length);
    const safe = new Int32Array(labels.length);
    for (let i = 0; i < labels.length; i += 1) {
      const label = labels[i]!;
      if (label >= 0 && label < classes) {
        known[i] = classWeights[label]!;
        safe[i] = label;
      }
    }
    const total = known.reduce((a, b) => a + b, 0);
    if (total === 0) return tf.scalar(0);
    const oneHot = tf.oneHot(tf.tensor1d(safe, 'int32'), classes);
    const perRow = tf.neg(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), 1));
    return tf.div(tf.sum(tf.mul(perRow, tf.tensor1d(known))), total) as tf.Scalar;
  });
}

/** Inverse-frequency class weights normalised to mean 1 over the classes seen. */
export function balancedClassWeights(labels: Int32Array, classes: number): Float32Array {
  const counts = new Float32Array(classes);
  for (const label of labels) if (label >= 0 && label < classes) counts[label]! += 1;
  const seen = counts.filter((c) => c > 0).length;
  const total = counts.reduce((a, b) => a + b, 0);
  const weights = new Float32Array(classes);
  for (let c = 0; c < classes; c += 1) {
    weights[c] = counts[c]! > 0 ? total / (seen * counts[c]!) : 0;
  }
  return weights;
}

/**
 * Reconstruction loss of the denoising objective: squared error on present channels,
 * weighting tokens that were masked out fully and the rest by `visibleWeight`.
 * reconstruction and target [n*tokens, patch*channels]; channelMask [n, channels];
 * tokenMask [n*tokens, 1].
 */
export function reconstructionLoss(
  reconstruction: tf.Tensor2D,
  target: tf.Tensor2D,
  channelMask: tf.Tensor2D,
  tokenMask: tf.Tensor2D,
  tokens: number,
  patch: number,
  visibleWeight = 0.25,
): tf.Scalar {
  return tf.tidy(() => {
    const [n, channels] = channelMask.shape;
    const presence = tf.reshape(
      tf.tile(tf.reshape(channelMask, [n, 1, 1, channels]), [1, tokens, patch, 1]),
      [n * tokens, patch * channels],
    );
    const tokenWeight = tf.add(tf.mul(tokenMask, 1 - visibleWeight), visibleWeight);
    const weights = tf.mul(presence, tokenWeight);
    const squared = tf.square(tf.sub(reconstruction, target));
    return tf.div(tf.sum(tf.mul(squared, weights)), tf.maximum(tf.sum(weights), 1)) as tf.Scalar;
  });
}
