import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '../../src/model/modelConfig.js';
import type { ModelInputs } from '../../src/model/sensorModel.js';

/** A model small enough for unit tests: 6 channels in two modalities, 16 rows. */
export function tinyConfig(overrides: Partial<ModelConfig> = {}): ModelConfig {
  return {
    windowLength: 16,
    patch: 4,
    channels: 6,
    modalities: [
      { name: 'current', channels: [0, 1, 2] },
      { name: 'accel', channels: [3, 4, 5] },
    ],
    contextSize: 3,
    width: 8,
    attentionHeads: 2,
    blocks: 2,
    feedForward: 16,
    adapterWidth: 4,
    recurrentUnits: 8,
    heads: [
      { name: 'operation', classes: ['face', 'pocket', 'adaptive'], reads: 'window' },
      { name: 'motion', classes: ['G0', 'G1', 'G2', 'G3'], reads: 'end' },
    ],
    ...overrides,
  };
}

/** Deterministic inputs [batch, windowLength, channels] for a config. */
export function tinyInputs(config: ModelConfig, batch: number, seed = 3): ModelInputs {
  return tf.tidy(() => ({
    x: tf.randomNormal<tf.Rank.R3>(
      [batch, config.windowLength, config.channels],
      0,
      1,
      'float32',
      seed,
    ),
    mask: tf.ones<tf.Rank.R2>([batch, config.channels]),
    context: tf
      .oneHot(tf.zeros([batch], 'int32') as tf.Tensor1D, config.contextSize)
      .toFloat() as tf.Tensor2D,
  }));
}

export function disposeInputs(inputs: ModelInputs): void {
  tf.dispose([inputs.x, inputs.mask, inputs.context]);
}
