import * as tf from '@tensorflow/tfjs';
import type { ParameterStore } from '../parameterStore.js';

/** Layer normalisation over the last axis of x [n, d]. */
export function layerNorm(
  store: ParameterStore,
  name: string,
  group: string,
  x: tf.Tensor2D,
): tf.Tensor2D {
  const d = x.shape[1];
  const gamma = store.get({ name: `${name}.gamma`, group, shape: [d], init: 'ones', decay: false });
  const beta = store.get({ name: `${name}.beta`, group, shape: [d], init: 'zeros', decay: false });
  const { mean, variance } = tf.moments(x, -1, true);
  const normed = tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5)));
  return tf.add(tf.mul(normed, gamma), beta);
}
