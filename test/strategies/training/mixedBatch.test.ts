import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { disposeInputs } from '../../../src/model/training/windowBatch.js';
import { mixedBatch } from '../../../src/strategies/training/mixedBatch.js';
import { stepWindows } from '../transferFixture.js';

describe('mixedBatch', () => {
  it('stacks windows of several sets in order, with labels and first rows per part', () => {
    const a = stepWindows(5, 1);
    const b = stepWindows(4, 2);
    const batch = mixedBatch(
      [
        { windows: a, indices: [3, 0] },
        { windows: b, indices: [2] },
      ],
      'motion',
      true,
    );
    const { length, channels } = a;
    assert.deepEqual(batch.inputs.x.shape, [3, length, channels]);
    const x = batch.inputs.x.dataSync();
    assert.deepEqual([...x.subarray(0, length * channels)], [...a.gather([3]).x]);
    assert.deepEqual([...x.subarray(2 * length * channels)], [...b.gather([2]).x]);
    assert.deepEqual(batch.offsets, [0, 2 * length]);
    assert.deepEqual([...batch.labels[1]!], [...b.labels.motion!.subarray(2 * length, 3 * length)]);
    disposeInputs(batch.inputs);
  });

  it('gives one label per window for window-level heads', () => {
    const a = stepWindows(5, 1);
    const start = tf.memory().numTensors;
    const batch = mixedBatch([{ windows: a, indices: [4, 1] }], 'operation', false);
    assert.deepEqual([...batch.labels[0]!], [a.labels.operation![4], a.labels.operation![1]]);
    assert.deepEqual(batch.offsets, [0]);
    disposeInputs(batch.inputs);
    assert.equal(tf.memory().numTensors, start);
  });
});
