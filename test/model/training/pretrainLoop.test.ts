import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { argmaxRows, scoreClassification } from '../../../src/evaluation/classificationScores.js';
import { predictWindows } from '../../../src/model/predictWindows.js';
import { SensorModel } from '../../../src/model/sensorModel.js';
import { folderCheckpoint } from '../../../src/model/training/checkpoint.js';
import { pretrainLoop, type PretrainSettings } from '../../../src/model/training/pretrainLoop.js';
import { syntheticWindows } from '../../support/syntheticWindows.js';
import { tinyConfig } from '../../support/tinyModel.js';

const settings: PretrainSettings = {
  epochs: 12,
  batchSize: 16,
  learningRate: 5e-3,
  patience: 12,
  seed: 1,
  tokenMaskShare: 0.15,
  reconstructionWeight: 0.2,
  headWeights: { operation: 1, motion: 1 },
  augmentation: {
    noise: 0.05,
    unitDropChance: 0.2,
    unitDropShare: 0.5,
    channelUnits: Int32Array.from([0, 0, 0, 1, 1, 1]),
  },
};

async function operationScore(model: SensorModel, seed: number): Promise<number> {
  const test = syntheticWindows(60, 16, 6, 3, seed);
  const predictions = await predictWindows(model, test);
  const predicted = argmaxRows(predictions.logits.operation!, 3);
  return scoreClassification(test.labels.operation!, predicted, 3).balancedAccuracy;
}

describe('pretrainLoop', () => {
  it('learns a learnable task and keeps the tensor count flat', async () => {
    const model = new SensorModel(tinyConfig(), 2);
    const before = tf.memory().numTensors;
    const result = await pretrainLoop(
      model,
      syntheticWindows(160, 16, 6, 3, 10),
      syntheticWindows(48, 16, 6, 3, 11),
      settings,
    );
    assert.equal(tf.memory().numTensors, before);
    assert.ok(result.history.length >= 1);
    assert.ok((await operationScore(model, 12)) > 0.8, 'operation should be learned');
    model.dispose();
  });

  it('resumes from a checkpoint to the same weights as an uninterrupted run', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'adaptd-ckpt-'));
    const train = syntheticWindows(64, 16, 6, 3, 20);
    const early = syntheticWindows(32, 16, 6, 3, 21);
    const short = { ...settings, epochs: 2, patience: 10 };
    try {
      const straight = new SensorModel(tinyConfig(), 3);
      await pretrainLoop(straight, train, early, { ...short, epochs: 3 });
      const interrupted = new SensorModel(tinyConfig(), 3);
      const checkpoint = folderCheckpoint(join(dir, 'ckpt'), 'run-a');
      await pretrainLoop(interrupted, train, early, short, { checkpoint });
      const resumed = new SensorModel(tinyConfig(), 99);
      const result = await pretrainLoop(
        resumed,
        train,
        early,
        { ...short, epochs: 3 },
        { checkpoint },
      );
      assert.equal(result.history.length, 3);
      const a = straight.store.snapshot();
      const b = resumed.store.snapshot();
      for (const name of Object.keys(a)) {
        const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(a[name]!, b[name]!))).dataSync()[0]!);
        assert.ok(diff < 1e-5, `${name} differs by ${diff}`);
      }
      tf.dispose([...Object.values(a), ...Object.values(b)]);
      await assert.rejects(
        pretrainLoop(new SensorModel(tinyConfig()), train, early, short, {
          checkpoint: folderCheckpoint(join(dir, 'ckpt'), 'run-b'),
        }),
        /belongs to another run/,
      );
      straight.dispose();
      interrupted.dispose();
      resumed.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
