import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { isAdaptdError } from '../../../src/errors.js';
import type { LabelledWindows } from '../../../src/model/training/windowBatch.js';
import { GroupOptimizer } from '../../../src/strategies/training/groupOptimizer.js';
import { trainSupervised } from '../../../src/strategies/training/supervisedLoop.js';
import { taskHead } from '../../../src/strategies/training/taskHead.js';
import { OPERATION, transferSetup } from '../transferFixture.js';

const constant = { warmupSteps: 0, totalSteps: 100, decay: 'cosine', floor: 1 } as const;

describe('trainSupervised', () => {
  it('lowers the loss of the trained head over source and support terms', async () => {
    const { base, data } = transferSetup();
    const optimizer = new GroupOptimizer(base.store, {
      rates: Object.fromEntries(base.store.groups().map((g) => [g, 3e-3])),
      weightDecay: 0,
      schedule: constant,
    });
    const losses = await trainSupervised({
      model: base,
      head: taskHead(base, OPERATION),
      sources: [
        { name: 'source', windows: data.source, perBatch: 12, weight: 1 },
        { name: 'support', windows: data.support!, perBatch: 4, weight: 1 },
      ],
      optimizer,
      steps: 30,
      seed: 1,
    });
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    assert.equal(losses.length, 30);
    assert.ok(mean(losses.slice(-5)) < 0.7 * mean(losses.slice(0, 5)), losses.join(' '));
    optimizer.dispose();
    base.dispose();
  });

  it('stops with TRAINING_FAILED on a non-finite loss, leaking no tensors', async () => {
    const { base, data } = transferSetup();
    const broken: LabelledWindows = {
      ...data.source,
      gather: (indices) => {
        const out = data.source.gather(indices);
        out.x.fill(Number.NaN);
        return out;
      },
    };
    const optimizer = new GroupOptimizer(base.store, {
      rates: { 'head.operation': 1e-3 },
      weightDecay: 0,
      schedule: constant,
    });
    optimizer.step(() => tf.sum(base.store.variable('head.operation.kernel'))).dispose();
    const tensors = tf.memory().numTensors;
    await assert.rejects(
      trainSupervised({
        model: base,
        head: taskHead(base, OPERATION),
        sources: [{ name: 'source', windows: broken, perBatch: 8, weight: 1 }],
        optimizer,
        steps: 3,
        seed: 1,
      }),
      (e) => isAdaptdError(e, 'TRAINING_FAILED'),
    );
    assert.equal(tf.memory().numTensors, tensors);
    optimizer.dispose();
    base.dispose();
  });
});
