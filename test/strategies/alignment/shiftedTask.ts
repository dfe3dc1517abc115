import type { LabelledWindows } from '../../../src/model/training/windowBatch.js';
import { SensorModel } from '../../../src/model/sensorModel.js';
import { pretrainLoop } from '../../../src/model/training/pretrainLoop.js';
import type { ModelConfig } from '../../../src/model/modelConfig.js';
import { tinyConfig } from '../../support/tinyModel.js';
import { syntheticWindows } from '../../support/syntheticWindows.js';

export const LENGTH = 16;
export const CHANNELS = 6;
export const CONTEXT = 3;

/** Per-channel gain and offset of the target domain: a rescaled current, offset vibration. */
export const TARGET_GAIN = [1.8, 1.8, 1.8, 1, 1, 1];
export const TARGET_OFFSET = [0.5, 0.5, 0.5, 1.5, -1.5, 1.5];

/**
 * Windows of the synthetic task after a per-channel affine shift, whose labels throw
 * when read: a strategy that touches a target label fails the test instead of quietly
 * learning from it.
 */
export function shiftedTarget(count: number, seed: number): LabelledWindows {
  const windows = syntheticWindows(count, LENGTH, CHANNELS, CONTEXT, seed);
  const labels = new Proxy({} as Record<string, Int32Array>, {
    get(_, head) {
      throw new Error(`target label ${String(head)} was read`);
    },
    ownKeys() {
      throw new Error('target labels were listed');
    },
  });
  return {
    ...windows,
    gather(indices) {
      const { x, mask } = windows.gather(indices);
      for (let i = 0; i < x.length; i += 1) {
        const c = i % CHANNELS;
        x[i] = x[i]! * TARGET_GAIN[c]! + TARGET_OFFSET[c]!;
      }
      return { x, mask };
    },
    labels,
  };
}

/** The same windows with their true labels, for scoring only after adaptation. */
export function shiftedTargetTruth(count: number, seed: number): LabelledWindows {
  const target = shiftedTarget(count, seed);
  return { ...target, labels: syntheticWindows(count, LENGTH, CHANNELS, CONTEXT, seed).labels };
}

export function sourceWindows(count: number, seed: number): LabelledWindows {
  return syntheticWindows(count, LENGTH, CHANNELS, CONTEXT, seed);
}

/** The tiny model with a per-row motion head, as the real model has. */
export function stepConfig(): ModelConfig {
  return tinyConfig({
    heads: [
      { name: 'operation', classes: ['face', 'pocket', 'adaptive'], reads: 'window' },
      { name: 'motion', classes: ['G0', 'G1', 'G2', 'G3'], reads: 'step' },
    ],
  });
}

/** Source windows with the motion label on every row of the last patch, -1 elsewhere. */
export function stepSource(count: number, seed: number): LabelledWindows {
  const windows = sourceWindows(count, seed);
  const perRow = new Int32Array(count * LENGTH).fill(-1);
  windows.labels.motion!.forEach((label, w) => {
    for (let t = LENGTH - 4; t < LENGTH; t += 1) perRow[w * LENGTH + t] = label;
  });
  return { ...windows, labels: { ...windows.labels, motion: perRow } };
}

/** A tiny model pretrained briefly on source windows (operation head only). */
export async function pretrainedBase(config: ModelConfig = tinyConfig()): Promise<SensorModel> {
  const model = new SensorModel(config, 2);
  await pretrainLoop(model, sourceWindows(160, 10), sourceWindows(48, 11), {
    epochs: 4,
    batchSize: 16,
    learningRate: 5e-3,
    patience: 4,
    seed: 1,
    tokenMaskShare: 0.15,
    reconstructionWeight: 0.2,
    headWeights: { operation: 1 },
    augmentation: {
      noise: 0.05,
      unitDropChance: 0,
      unitDropShare: 0,
      channelUnits: Int32Array.from([0, 0, 0, 1, 1, 1]),
    },
  });
  return model;
}
