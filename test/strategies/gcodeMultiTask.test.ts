import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { isAdaptdError } from '../../src/errors.js';
import { adapterGroups, encoderGroups } from '../../src/model/modelConfig.js';
import type { SensorModel } from '../../src/model/sensorModel.js';
import type { LabelledWindows } from '../../src/model/training/windowBatch.js';
import { gcodeMultiTask, multiTaskSources } from '../../src/strategies/gcodeMultiTask.js';
import { mixedBatch } from '../../src/strategies/training/mixedBatch.js';
import { OPERATION, STEP_MOTION, transferSetup } from './transferFixture.js';

/** The same windows, but reading any label other than motion throws. */
function motionOnly(windows: LabelledWindows): LabelledWindows {
  const labels = new Proxy(windows.labels, {
    get(target, head: string) {
      if (head !== 'motion') throw new Error(`target label ${head} was read`);
      return target[head];
    },
    ownKeys: () => ['motion'],
    getOwnPropertyDescriptor: (target, head) =>
      head === 'motion' ? Reflect.getOwnPropertyDescriptor(target, head) : undefined,
  });
  return { ...windows, labels };
}

function groupValues(model: SensorModel, groups: string[]): number[] {
  return model.store.inGroups(groups).flatMap((v) => [...v.dataSync()]);
}

describe('gcode-multitask', () => {
  it('trains adapters, task and motion heads from source labels and target G-code motion only', async () => {
    const { base, data } = transferSetup(true);
    const tensors = tf.memory().numTensors;
    const predictor = await gcodeMultiTask.adapt(
      base,
      OPERATION,
      { source: data.source, target: motionOnly(data.target) },
      { seed: 1, steps: 8, batchSize: 8 },
    );
    const model = predictor.model!;
    const frozen = [...encoderGroups(base.config), 'head.reconstruct'];
    assert.deepEqual(groupValues(model, frozen), groupValues(base, frozen));
    for (const group of [...adapterGroups(base.config), 'head.operation', 'head.motion']) {
      assert.notDeepEqual(groupValues(model, [group]), groupValues(base, [group]), group);
    }
    assert.equal(
      predictor.trainableParameters,
      base.store.parameterCount([...adapterGroups(base.config), 'head.operation', 'head.motion']),
    );
    const probabilities = await predictor.predict(data.support!);
    assert.equal(probabilities.length, data.support!.count * OPERATION.classes.length);
    predictor.dispose();
    assert.equal(tf.memory().numTensors, tensors, 'no tensors left behind');
    base.dispose();
  });

  it('feeds target motion, source motion, support and source task labels to their heads', () => {
    const { base, data } = transferSetup(true);
    const settings = { anchor: 0, weightDecay: 0, targetMotionWeight: 1, sourceMotionWeight: 0.5 };
    const sources = multiTaskSources(base, OPERATION, data, 16, settings);
    assert.deepEqual(
      sources.map((s) => [s.name, s.head?.name ?? 'task', s.perBatch]),
      [
        ['target', 'motion', 4],
        ['source', 'motion', 4],
        ['support', 'task', 4],
        ['source', 'task', 4],
      ],
    );
    assert.deepEqual(Object.keys(sources[0]!.windows.labels), ['motion']);
    assert.deepEqual(Object.keys(sources[2]!.windows.labels), ['operation']);
    base.dispose();
  });

  it('builds a batch whose parts read different heads at their own offsets', () => {
    const { base, data } = transferSetup(true);
    const length = data.source.length;
    const batch = mixedBatch(
      [
        { windows: data.source, indices: [0, 1], head: { name: 'operation', step: false } },
        { windows: data.target, indices: [2, 3, 4], head: { name: 'motion', step: true } },
        { windows: data.source, indices: [5], head: { name: 'operation', step: false } },
      ],
      'operation',
      false,
    );
    assert.deepEqual(batch.offsets, [0, 2 * length, 5]);
    assert.equal(batch.labels[0]!.length, 2);
    assert.equal(batch.labels[1]!.length, 3 * length);
    assert.equal(batch.labels[2]![0], data.source.labels.operation![5]);
    tf.dispose(Object.values(batch.inputs));
    base.dispose();
  });

  it('refuses the motion task, which gcode-self adapts', async () => {
    const { base, data } = transferSetup(true);
    await assert.rejects(gcodeMultiTask.adapt(base, STEP_MOTION, data, { seed: 1 }), (e) =>
      isAdaptdError(e, 'CONFIG_INVALID'),
    );
    base.dispose();
  });
});
