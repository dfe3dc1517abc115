import * as tf from '@tensorflow/tfjs';
import { alignmentStrategy, type TrainableScope } from './alignmentStrategy.js';
import { coralLoss } from './coral.js';
import { dannLambda } from './gradientReversal.js';
import type { TransferStrategy } from '../strategy.js';

export interface CoralAlignmentOptions {
  /** Weight of the CORAL loss at the end of the ramp (the DANN schedule over progress). */
  weight?: number;
  scope?: TrainableScope;
}

/**
 * Deep CORAL (Sun and Saenko 2016): source cross-entropy plus weight * ramp(p) * the
 * CORAL loss between source and target pooled embeddings. The loss is divided by 4 d^2
 * and is small next to the cross-entropy, hence the large default weight.
 */
export function coralAlignmentStrategy(options: CoralAlignmentOptions = {}): TransferStrategy {
  const weight = options.weight ?? 100;
  return alignmentStrategy({
    name: 'coral',
    scope: options.scope ?? 'adapters',
    term: () => ({
      variables: [],
      loss: (source, target, progress) =>
        tf.mul(coralLoss(source, target), weight * dannLambda(progress)),
      dispose: () => undefined,
    }),
  });
}

export const coralAlignment = coralAlignmentStrategy();
