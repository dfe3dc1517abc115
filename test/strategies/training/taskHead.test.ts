import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isAdaptdError } from '../../../src/errors.js';
import { SensorModel } from '../../../src/model/sensorModel.js';
import {
  labelledIndices,
  taskHead,
  withLabelsOf,
} from '../../../src/strategies/training/taskHead.js';
import { OPERATION, STEP_MOTION, stepConfig, stepWindows } from '../transferFixture.js';

describe('taskHead', () => {
  it('returns the model head agreeing with the task and refuses one that does not', () => {
    const model = new SensorModel(stepConfig());
    assert.equal(taskHead(model, STEP_MOTION).reads, 'step');
    assert.equal(taskHead(model, OPERATION).name, 'operation');
    const refused = (e: unknown): boolean => isAdaptdError(e, 'MODEL_INVALID');
    assert.throws(() => taskHead(model, { ...STEP_MOTION, step: false }), refused);
    assert.throws(() => taskHead(model, { ...OPERATION, classes: ['a', 'b'] }), refused);
    assert.throws(() => taskHead(model, { head: 'tool', classes: ['a'] }), refused);
    model.dispose();
  });
});

describe('labelledIndices', () => {
  it('keeps windows with any known row and refuses sets without labels', () => {
    const windows = stepWindows(3, 1);
    const motion = windows.labels.motion!;
    motion.fill(-1, 0, windows.length);
    assert.deepEqual(labelledIndices(windows, 'motion', true, 'target'), [1, 2]);
    motion.fill(-1);
    assert.throws(
      () => labelledIndices(windows, 'motion', true, 'target'),
      (e) => isAdaptdError(e, 'TRAINING_FAILED') && e.message.includes('target'),
    );
    assert.throws(
      () => labelledIndices(windows, 'tool', false, 'source'),
      (e) => isAdaptdError(e),
    );
  });
});

describe('withLabelsOf', () => {
  it('shows the named labels only and the same windows', () => {
    const windows = stepWindows(3, 1);
    const view = withLabelsOf(windows, ['motion', 'tool']);
    assert.deepEqual(Object.keys(view.labels), ['motion']);
    assert.deepEqual(view.gather([1]), windows.gather([1]));
    assert.equal(view.count, 3);
  });
});
