import { mkdtemp, rm } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChannelSchema } from '../../src/data/channelSchema.js';
import { CONTEXT_SIZE } from '../../src/data/controllerContext.js';
import type { Normaliser } from '../../src/data/normaliser.js';
import type { HeadConfig } from '../../src/model/modelConfig.js';
import { saveModelBundle } from '../../src/model/modelBundle.js';
import { SensorModel } from '../../src/model/sensorModel.js';
import { tinyConfig } from './tinyModel.js';

export const TINY_HEADS: HeadConfig[] = [
  { name: 'operation', classes: ['face', 'pocket', 'adaptive'], reads: 'window' },
  { name: 'tool', classes: ['healthy', 'damaged'], reads: 'window' },
  { name: 'motion', classes: ['G0', 'G1', 'G2', 'G3'], reads: 'step' },
];

/**
 * Saves a tiny untrained model artifact for `schema` (windows of `length` rows) into a temp
 * folder and returns the folder and a cleanup. Modalities split the channels in two halves.
 */
export async function saveTinyBundle(
  schema: ChannelSchema,
  normaliser: Normaliser,
  options: { length?: number; stride?: number; version?: string } = {},
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  // Whatever backend the process has chosen, or the highest-priority one if none yet.
  await tf.ready();
  const root = await mkdtemp(join(tmpdir(), 'adaptd-bundle-'));
  const channels = schema.channels.length;
  const half = Math.ceil(channels / 2);
  const indices = Array.from({ length: channels }, (_, c) => c);
  const model = new SensorModel(
    tinyConfig({
      channels,
      windowLength: options.length ?? 16,
      contextSize: CONTEXT_SIZE,
      modalities: [
        { name: 'first', channels: indices.slice(0, half) },
        { name: 'second', channels: indices.slice(half) },
      ],
      heads: TINY_HEADS,
    }),
    11,
  );
  const dir = join(root, 'model');
  try {
    await saveModelBundle(
      dir,
      {
        model,
        schema,
        normaliser,
        window: { length: options.length ?? 16, stride: options.stride ?? 8 },
      },
      { version: options.version ?? 'tiny-test-1', command: 'test', trainingData: {} },
    );
  } finally {
    model.dispose();
  }
  return { dir, cleanup: () => rm(root, { recursive: true, force: true }) };
}
