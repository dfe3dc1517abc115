import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isAdaptdError } from '../../src/errors.js';
import { adapterGroups, encoderGroups } from '../../src/model/modelConfig.js';
import type { SensorModel } from '../../src/model/sensorModel.js';
import { adapters, adapterStrategy, multiTaskAdapters } from '../../src/strategies/adapters.js';
import { accuracy, OPERATION, STEP_MOTION, transferSetup } from './transferFixture.js';

function groupValues(model: SensorModel, groups: string[]): number[] {
  return model.store.inGroups(groups).flatMap((v) => [...v.dataSync()]);
}

function distance(a: number[], b: number[]): number {
  return Math.sqrt(a.reduce((sum, v, i) => sum + (v - b[i]!) ** 2, 0));
}

describe('adapters', () => {
  it('trains the adapters and the task head while the encoder stays bit-identical', async () => {
    const { base, data } = transferSetup();
    const predictor = await adapters.adapt(base, OPERATION, data, { seed: 1, steps: 10 });
    const model = predictor.model!;
    const frozen = [...encoderGroups(base.config), 'head.motion', 'head.reconstruct'];
    assert.deepEqual(groupValues(model, frozen), groupValues(base, frozen));
    for (const group of [...adapterGroups(base.config), 'head.operation']) {
      assert.notDeepEqual(groupValues(model, [group]), groupValues(base, [group]), group);
    }
    assert.equal(
      predictor.trainableParameters,
      base.store.parameterCount([...adapterGroups(base.config), 'head.operation']),
    );
    assert.ok(predictor.trainableParameters < base.store.parameterCount() / 3);
    predictor.dispose();
    base.dispose();
  });

  for (const step of [false, true]) {
    const task = step ? STEP_MOTION : OPERATION;
    it(`beats chance on the synthetic ${task.head} task`, async () => {
      const { base, data, test } = transferSetup(step);
      const options = { seed: 1, steps: 60, batchSize: 16, learningRate: 0.01 };
      const predictor = await adapters.adapt(base, task, data, options);
      const score = await accuracy(predictor, task, test);
      const chance = 1 / task.classes.length;
      assert.ok(score > chance + 0.12, `accuracy ${score} (chance ${chance})`);
      predictor.dispose();
      base.dispose();
    });
  }

  it('stays nearer its starting weights with an anchor', async () => {
    const { base, data } = transferSetup();
    const groups = [...adapterGroups(base.config), 'head.operation'];
    const start = groupValues(base, groups);
    const moved: number[] = [];
    for (const anchor of [0, 50]) {
      const strategy = adapterStrategy('anchored', { anchor, weightDecay: 0 });
      const predictor = await strategy.adapt(base, OPERATION, data, { seed: 1, steps: 15 });
      moved.push(distance(groupValues(predictor.model!, groups), start));
      predictor.dispose();
    }
    assert.ok(moved[1]! < 0.8 * moved[0]!, `moved ${moved.join(' vs ')}`);
    base.dispose();
  });

  it('makes one adapted copy per task, each touching only its own head', async () => {
    const { base, data } = transferSetup(true);
    const adapted = await multiTaskAdapters(base, [OPERATION, STEP_MOTION], data, {
      seed: 1,
      steps: 5,
    });
    const operation = adapted.get('operation')!.model!;
    const motion = adapted.get('motion')!.model!;
    assert.notEqual(operation, motion);
    assert.deepEqual(groupValues(operation, ['head.motion']), groupValues(base, ['head.motion']));
    assert.deepEqual(
      groupValues(motion, ['head.operation']),
      groupValues(base, ['head.operation']),
    );
    const slots = adapterGroups(base.config);
    assert.notDeepEqual(groupValues(operation, slots), groupValues(motion, slots));
    for (const predictor of adapted.values()) predictor.dispose();
    base.dispose();
  });

  it('needs support windows', async () => {
    const { base, data } = transferSetup();
    await assert.rejects(
      adapters.adapt(base, OPERATION, { ...data, support: undefined }, { seed: 1 }),
      (e) => isAdaptdError(e, 'TRAINING_FAILED'),
    );
    base.dispose();
  });
});
