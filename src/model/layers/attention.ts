import * as tf from '@tensorflow/tfjs';
import type { ParameterStore } from '../parameterStore.js';
import { dense } from './dense.js';

export interface AttentionShape {
  batch: number;
  tokens: number;
  heads: number;
}

/**
 * Multi-head self-attention on x [batch*tokens, d] -> [batch*tokens, d], written with
 * batchMatMul and softmax because the built-in layer uses Einsum, which has no
 * gradient on the WebAssembly backend.
 */
export function selfAttention(
  store: ParameterStore,
  name: string,
  group: string,
  x: tf.Tensor2D,
  shape: AttentionShape,
): tf.Tensor2D {
  const { batch, tokens, heads } = shape;
  const d = x.shape[1];
  const headDim = d / heads;
  const split = (t: tf.Tensor2D): tf.Tensor3D =>
    tf
      .transpose(tf.reshape(t, [batch, tokens, heads, headDim]), [0, 2, 1, 3])
      .reshape([batch * heads, tokens, headDim]);
  const query = split(dense(store, `${name}.query`, group, x, d));
  const key = split(dense(store, `${name}.key`, group, x, d));
  const value = split(dense(store, `${name}.value`, group, x, d));
  const scores = tf.mul(tf.matMul(query, key, false, true), 1 / Math.sqrt(headDim));
  const mixed = tf.matMul(tf.softmax(scores), value);
  const merged = tf
    .transpose(tf.reshape(mixed, [batch, heads, tokens, headDim]), [0, 2, 1, 3])
    .reshape([batch * tokens, d]) as tf.Tensor2D;
  return dense(store, `${name}.output`, group, merged, d);
}
