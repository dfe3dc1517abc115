import * as tf from '@tensorflow/tfjs';
import { dannLambda } from './gradientReversal.js';
import { alignmentStrategy, type TrainableScope } from './alignmentStrategy.js';
import { mmdLoss } from './mmd.js';
import type { TransferStrategy } from '../strategy.js';

export interface MmdAlignmentOptions {
  /** Weight of MMD^2 at the end of the ramp; the ramp is the DANN schedule over progress. */
  weight?: number;
  scope?: TrainableScope;
  multipliers?: readonly number[];
}

/**
 * Deep adaptation by MMD (Long et al. 2015): source cross-entropy plus weight * ramp(p) *
 * the unbiased multi-kernel MMD^2 between source and target pooled embeddings. The ramp
 * keeps the term away while the head still learns the task at the start.
 */
export function mmdAlignmentStrategy(options: MmdAlignmentOptions = {}): TransferStrategy {
  const weight = options.weight ?? 1;
  return alignmentStrategy({
    name: 'mmd',
    scope: options.scope ?? 'adapters',
    term: () => ({
      variables: [],
      loss: (source, target, progress) => {
        const lambda = weight * dannLambda(progress);
        return tf.mul(mmdLoss(source, target, { multipliers: options.multipliers }), lambda);
      },
      dispose: () => undefined,
    }),
  });
}

export const mmdAlignment = mmdAlignmentStrategy();
