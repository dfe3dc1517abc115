import * as tf from '@tensorflow/tfjs';

/**
 * Identity forward, gradient multiplied by -lambda backward (Ganin and Lempitsky 2015):
 * the domain classifier above it learns to tell the domains apart while the features
 * below it learn to make them indistinguishable. Any shape in, same shape out.
 */
export function gradientReversal<T extends tf.Tensor>(x: T, lambda: number): T {
  // A fresh custom gradient per call carries lambda by closure, as the schedule changes it.
  const reverse = tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => ({
    // A clone, since returning the input itself can bypass the custom gradient.
    value: (inputs[0] as tf.Tensor).clone(),
    gradFunc: (dy: tf.Tensor) => [tf.mul(dy, -lambda)],
  }));
  return reverse(x) as T;
}

/**
 * The DANN ramp 2 / (1 + exp(-10 p)) - 1 for training progress p in [0, 1]: 0 at the
 * start, so the random domain classifier cannot disturb the features early, near 1 at
 * the end.
 */
export function dannLambda(progress: number): number {
  return 2 / (1 + Math.exp(-10 * progress)) - 1;
}
