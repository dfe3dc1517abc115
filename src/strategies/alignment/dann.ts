import { alignmentStrategy, type TrainableScope } from './alignmentStrategy.js';
import { DomainClassifier } from './domainClassifier.js';
import { dannLambda, gradientReversal } from './gradientReversal.js';
import type { TransferStrategy } from '../strategy.js';

export interface DannOptions {
  /** Largest gradient-reversal factor, reached at the end of the ramp. */
  weight?: number;
  /** Hidden units of the domain classifier; default the larger of 32 and the embedding width. */
  hidden?: number;
  /** Learning rate of the domain classifier relative to the feature path's (default 10). */
  classifierRateFactor?: number;
  scope?: TrainableScope;
}

/**
 * Domain-adversarial training (Ganin et al. 2016): source cross-entropy plus the domain
 * classifier's cross-entropy on source and target embeddings, seen through a gradient
 * reversal whose factor follows 2/(1+exp(-10p))-1 over progress p. The classifier learns
 * to tell the domains apart; the reversed gradient teaches the features to hide the
 * domain. The whole feature path trains by default, as DANN needs.
 *
 * The classifier is new and must keep up with a pretrained feature path, so it learns
 * 10 times faster (as new layers do in the DANN paper) and is at least 32 wide. On the
 * synthetic shifted task an 8-unit classifier at the same rate let the features flip
 * domains instead of mixing them (domain loss above ln 2, MMD gap growing).
 */
export function dannStrategy(options: DannOptions = {}): TransferStrategy {
  const weight = options.weight ?? 1;
  return alignmentStrategy({
    name: 'dann',
    scope: options.scope ?? 'all',
    term: (model, seed) => {
      const classifier = new DomainClassifier(
        model.config.recurrentUnits,
        options.hidden ?? Math.max(32, model.config.recurrentUnits),
        seed + 7919,
      );
      return {
        variables: classifier.variables(),
        learningRateFactor: options.classifierRateFactor ?? 10,
        loss: (source, target, progress) => {
          const lambda = weight * dannLambda(progress);
          return classifier.loss(
            gradientReversal(source, lambda),
            gradientReversal(target, lambda),
          );
        },
        dispose: () => classifier.dispose(),
      };
    },
  });
}

export const dann = dannStrategy();
