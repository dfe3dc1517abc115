import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isAdaptdError } from '../../src/errors.js';
import type { SensorModel } from '../../src/model/sensorModel.js';
import { fineTuneGradual, fineTuneLlrd } from '../../src/strategies/fineTune.js';
import { layerUnits } from '../../src/strategies/training/layerwiseSchedule.js';
import { accuracy, OPERATION, transferSetup } from './transferFixture.js';

function groupValues(model: SensorModel, group: string): number[] {
  return model.store.inGroups([group]).flatMap((v) => [...v.dataSync()]);
}

describe('fine-tuning', () => {
  for (const strategy of [fineTuneLlrd, fineTuneGradual]) {
    it(`${strategy.name} beats chance on the synthetic task`, async () => {
      const { base, data, test } = transferSetup();
      const options = { seed: 1, steps: 60, batchSize: 16, learningRate: 0.02 };
      const predictor = await strategy.adapt(base, OPERATION, data, options);
      const score = await accuracy(predictor, OPERATION, test);
      assert.ok(score > 0.45, `accuracy ${score} (chance 0.33)`);
      predictor.dispose();
      base.dispose();
    });
  }

  it('finetune-llrd trains every layer unit from the start', async () => {
    const { base, data } = transferSetup();
    const predictor = await fineTuneLlrd.adapt(base, OPERATION, data, { seed: 1, steps: 3 });
    for (const group of ['input', 'fusion', 'block0', 'recurrent', 'pool', 'head.operation']) {
      assert.notDeepEqual(groupValues(predictor.model!, group), groupValues(base, group), group);
    }
    assert.deepEqual(
      groupValues(predictor.model!, 'head.motion'),
      groupValues(base, 'head.motion'),
    );
    assert.equal(
      predictor.trainableParameters,
      base.store.parameterCount(layerUnits(base.config, 'operation').flat()),
    );
    predictor.dispose();
    base.dispose();
  });

  it('finetune-gradual unfreezes top-down: with 3 steps only head, pool and recurrent move', async () => {
    const { base, data } = transferSetup();
    const predictor = await fineTuneGradual.adapt(base, OPERATION, data, { seed: 1, steps: 3 });
    for (const group of ['head.operation', 'pool', 'recurrent']) {
      assert.notDeepEqual(groupValues(predictor.model!, group), groupValues(base, group), group);
    }
    for (const group of ['input', 'fusion', 'block0', 'adapter.block0', 'block1']) {
      assert.deepEqual(groupValues(predictor.model!, group), groupValues(base, group), group);
    }
    assert.equal(
      predictor.trainableParameters,
      base.store.parameterCount(['head.operation', 'pool', 'recurrent']),
    );
    predictor.dispose();
    base.dispose();
  });

  it('needs support windows and a task the model has', async () => {
    const { base, data } = transferSetup();
    await assert.rejects(
      fineTuneLlrd.adapt(base, OPERATION, { ...data, support: undefined }, { seed: 1 }),
      (e) => isAdaptdError(e, 'TRAINING_FAILED'),
    );
    await assert.rejects(
      fineTuneLlrd.adapt(base, { head: 'tool', classes: ['a', 'b'] }, data, { seed: 1 }),
      (e) => isAdaptdError(e, 'MODEL_INVALID'),
    );
    base.dispose();
  });
});
