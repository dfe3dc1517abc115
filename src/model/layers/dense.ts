import * as tf from '@tensorflow/tfjs';
import type { ParameterStore } from '../parameterStore.js';

export interface DenseOptions {
  bias?: boolean;
  /** Initialise the kernel to zeros (adapter up-projections start as identity). */
  zeroKernel?: boolean;
}

/** x [n, inDim] -> [n, outDim]. Kept two-dimensional so wasm takes its fast matMul path. */
export function dense(
  store: ParameterStore,
  name: string,
  group: string,
  x: tf.Tensor2D,
  outDim: number,
  options: DenseOptions = {},
): tf.Tensor2D {
  const inDim = x.shape[1];
  const kernel = store.get({
    name: `${name}.kernel`,
    group,
    shape: [inDim, outDim],
    init: options.zeroKernel === true ? 'zeros' : 'glorot',
    decay: true,
  });
  const product: tf.Tensor2D = tf.matMul(x, kernel);
  if (options.bias === false) return product;
  const bias = store.get({
    name: `${name}.bias`,
    group,
    shape: [outDim],
    init: 'zeros',
    decay: false,
  });
  return tf.add(product, bias) as tf.Tensor2D;
}
