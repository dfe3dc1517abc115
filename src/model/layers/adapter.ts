import * as tf from '@tensorflow/tfjs';
import type { ParameterStore } from '../parameterStore.js';
import { dense } from './dense.js';

/**
 * A bottleneck adapter x + up(relu(down(x))) on x [n, d]. The up-projection starts at
 * zero, so a fresh adapter is the identity and the adapted model equals the source.
 * Its variables sit in an `adapter.*` group, apart from the encoder's groups.
 */
export function adapter(
  store: ParameterStore,
  name: string,
  group: string,
  x: tf.Tensor2D,
  bottleneck: number,
): tf.Tensor2D {
  const down = tf.relu(dense(store, `${name}.down`, group, x, bottleneck));
  const up = dense(store, `${name}.up`, group, down, x.shape[1], { zeroKernel: true });
  return tf.add(x, up);
}
