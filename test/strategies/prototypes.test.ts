import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isAdaptdError } from '../../src/errors.js';
import { prototypes } from '../../src/strategies/prototypes.js';
import { accuracy, OPERATION, STEP_MOTION, transferSetup } from './transferFixture.js';

describe('prototypes', () => {
  it('beats chance from a few support windows, training nothing', async () => {
    const { base, data, test } = transferSetup();
    const predictor = await prototypes.adapt(base, OPERATION, data, { seed: 1 });
    const score = await accuracy(predictor, OPERATION, test);
    assert.ok(score > 0.5, `accuracy ${score} (chance 0.33)`);
    assert.equal(predictor.trainableParameters, 0);
    predictor.dispose();
    base.dispose();
  });

  it('standardises with the statistics of the unlabelled target windows', async () => {
    const { base, data } = transferSetup();
    const predictor = await prototypes.adapt(base, OPERATION, data, { seed: 1 });
    const rows = await predictor.embed(data.target);
    const units = base.config.recurrentUnits;
    for (let d = 0; d < units; d += 1) {
      let sum = 0;
      let square = 0;
      for (let r = 0; r < data.target.count; r += 1) {
        sum += rows[r * units + d]!;
        square += rows[r * units + d]! ** 2;
      }
      assert.ok(Math.abs(sum / data.target.count) < 1e-4, `dim ${d} mean`);
      assert.ok(Math.abs(square / data.target.count - 1) < 1e-3, `dim ${d} variance`);
    }
    predictor.dispose();
    base.dispose();
  });

  it('needs support windows and a window-level task', async () => {
    const { base, data } = transferSetup();
    await assert.rejects(
      prototypes.adapt(base, OPERATION, { ...data, support: undefined }, { seed: 1 }),
      (e) => isAdaptdError(e, 'TRAINING_FAILED'),
    );
    await assert.rejects(prototypes.adapt(base, STEP_MOTION, data, { seed: 1 }), (e) =>
      isAdaptdError(e, 'CONFIG_INVALID'),
    );
    base.dispose();
  });
});
