import * as tf from '@tensorflow/tfjs';
import type { SensorModel } from '../../src/model/sensorModel.js';
import type { LabelledWindows } from '../../src/model/training/windowBatch.js';
import type { AlignmentTerm } from '../../src/strategies/alignment/alignmentLoop.js';
import { trainAlignment } from '../../src/strategies/alignment/alignmentLoop.js';
import { trainableGroups } from '../../src/strategies/alignment/alignmentStrategy.js';
import { DomainClassifier } from '../../src/strategies/alignment/domainClassifier.js';
import { dannLambda, gradientReversal } from '../../src/strategies/alignment/gradientReversal.js';
import { mmdLoss } from '../../src/strategies/alignment/mmd.js';

export interface AdaptRound {
  source: LabelledWindows;
  target: LabelledWindows;
  head: string;
  steps: number;
  batchSize: number;
  learningRate: number;
  seed: number;
}

/**
 * One adaptation round as the benches time it, with adaptd's own training loop: on a copy
 * of `base`, the adapters and the task head train on source cross-entropy plus the MMD^2
 * and DANN terms between source and target embeddings, both ramped by the DANN schedule.
 * The copy is made before `onStart` and disposed after; returns the loss per step.
 */
export async function adaptRound(
  base: SensorModel,
  round: AdaptRound,
  onStart: () => void = () => undefined,
): Promise<number[]> {
  const model = base.clone();
  const units = model.config.recurrentUnits;
  const classifier = new DomainClassifier(units, Math.max(32, units), round.seed + 7919);
  const term: AlignmentTerm = {
    variables: classifier.variables(),
    learningRateFactor: 10,
    loss: (source, target, progress) =>
      tf.tidy(() => {
        const lambda = dannLambda(progress);
        return tf.add(
          tf.mul(mmdLoss(source, target), lambda),
          classifier.loss(gradientReversal(source, lambda), gradientReversal(target, lambda)),
        ) as tf.Scalar;
      }),
  };
  const head = model.config.heads.find((h) => h.name === round.head)!;
  try {
    onStart();
    return await trainAlignment({
      model,
      head,
      data: { source: round.source, target: round.target },
      groups: trainableGroups(model.config, round.head, 'adapters'),
      term,
      steps: round.steps,
      batchSize: round.batchSize,
      learningRate: round.learningRate,
      seed: round.seed,
    });
  } finally {
    classifier.dispose();
    model.dispose();
  }
}
