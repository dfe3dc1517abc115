import * as tf from '@tensorflow/tfjs';
import type { ParameterStore } from '../parameterStore.js';
import { dense } from './dense.js';

/**
 * A GRU over x [batch*steps, d] (batch-major) returning every hidden state
 * [batch*steps, units]. The input gates of all steps come from one product; only
 * the recurrence is looped, which is what makes it affordable on WebAssembly.
 */
export function gru(
  store: ParameterStore,
  name: string,
  group: string,
  x: tf.Tensor2D,
  batch: number,
  steps: number,
  units: number,
): tf.Tensor2D {
  const inputGates = dense(store, `${name}.input`, group, x, 3 * units);
  const perStep = tf.unstack(tf.reshape(inputGates, [batch, steps, 3 * units]), 1) as tf.Tensor2D[];
  const recurrent = store.get({
    name: `${name}.recurrent.kernel`,
    group,
    shape: [units, 3 * units],
    init: 'glorot',
    decay: true,
  }) as tf.Tensor2D;
  const recurrentBias = store.get({
    name: `${name}.recurrent.bias`,
    group,
    shape: [3 * units],
    init: 'zeros',
    decay: false,
  });
  let hidden: tf.Tensor2D = tf.zeros([batch, units]);
  const outputs: tf.Tensor2D[] = [];
  for (const gates of perStep) {
    const [xz, xr, xn] = tf.split(gates, 3, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    const fromHidden = tf.add(tf.matMul(hidden, recurrent), recurrentBias);
    const [hz, hr, hn] = tf.split(fromHidden, 3, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    const update = tf.sigmoid(tf.add(xz, hz));
    const reset = tf.sigmoid(tf.add(xr, hr));
    const candidate = tf.tanh(tf.add(xn, tf.mul(reset, hn)));
    hidden = tf.add(tf.mul(tf.sub(1, update), candidate), tf.mul(update, hidden));
    outputs.push(hidden);
  }
  return tf.reshape(tf.stack(outputs, 1), [batch * steps, units]);
}
