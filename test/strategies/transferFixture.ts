import type { ModelConfig } from '../../src/model/modelConfig.js';
import { SensorModel } from '../../src/model/sensorModel.js';
import type { LabelledWindows } from '../../src/model/training/windowBatch.js';
import { argmaxRows, scoreClassification } from '../../src/evaluation/classificationScores.js';
import type {
  AdaptedPredictor,
  TransferData,
  TransferTask,
} from '../../src/strategies/strategy.js';
import { syntheticWindows } from '../support/syntheticWindows.js';
import { tinyConfig } from '../support/tinyModel.js';

export const OPERATION: TransferTask = {
  head: 'operation',
  classes: ['face', 'pocket', 'adaptive'],
};
export const STEP_MOTION: TransferTask = {
  head: 'motion',
  classes: ['G0', 'G1', 'G2', 'G3'],
  step: true,
};

/** The tiny model with a per-row motion head, as the real model has. */
export function stepConfig(): ModelConfig {
  return tinyConfig({
    heads: [
      { name: 'operation', classes: OPERATION.classes, reads: 'window' },
      { name: 'motion', classes: STEP_MOTION.classes, reads: 'step' },
    ],
  });
}

/**
 * Synthetic windows whose motion label is given per row, only on the last four rows
 * where the signal is (earlier rows are unknown, -1), as the G-code stream labels rows.
 */
export function stepWindows(count: number, seed: number): LabelledWindows {
  const config = stepConfig();
  const windows = syntheticWindows(
    count,
    config.windowLength,
    config.channels,
    config.contextSize,
    seed,
  );
  const length = config.windowLength;
  const perRow = new Int32Array(count * length).fill(-1);
  windows.labels.motion!.forEach((label, w) => {
    for (let t = length - 4; t < length; t += 1) perRow[w * length + t] = label;
  });
  return { ...windows, labels: { ...windows.labels, motion: perRow } };
}

export interface TransferSetup {
  base: SensorModel;
  data: TransferData;
  /** Windows no strategy sees, to score predictions. */
  test: LabelledWindows;
}

/** A fresh tiny model with source, unlabelled target, a few support and test windows. */
export function transferSetup(step = false): TransferSetup {
  const config = step ? stepConfig() : tinyConfig();
  const make = step
    ? stepWindows
    : (count: number, seed: number): LabelledWindows =>
        syntheticWindows(count, config.windowLength, config.channels, config.contextSize, seed);
  return {
    base: new SensorModel(config, 11),
    data: { source: make(96, 1), target: make(48, 2), support: make(12, 3) },
    test: make(120, 4),
  };
}

/** Accuracy of a predictor's most probable class on the test windows' known labels. */
export async function accuracy(
  predictor: AdaptedPredictor,
  task: TransferTask,
  test: LabelledWindows,
): Promise<number> {
  const probabilities = await predictor.predict(test);
  const predicted = argmaxRows(probabilities, task.classes.length);
  return scoreClassification(test.labels[task.head]!, predicted, task.classes.length).accuracy;
}
