import * as tf from '@tensorflow/tfjs';
import type { ParameterStore } from '../parameterStore.js';
import { dense } from './dense.js';

/** Attention pooling of x [batch*steps, d] into one vector per window [batch, d]. */
export function attentionPool(
  store: ParameterStore,
  name: string,
  group: string,
  x: tf.Tensor2D,
  batch: number,
  steps: number,
): tf.Tensor2D {
  const d = x.shape[1];
  const hidden = tf.tanh(dense(store, `${name}.hidden`, group, x, d));
  const scores = dense(store, `${name}.score`, group, hidden, 1, { bias: false });
  const weights = tf.softmax(tf.reshape(scores, [batch, steps]), -1);
  const pooled = tf.matMul(
    tf.reshape(weights, [batch, 1, steps]),
    tf.reshape(x, [batch, steps, d]),
  );
  return tf.reshape(pooled, [batch, d]);
}
