import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isAdaptdError } from '../../src/errors.js';
import { linearProbe, mlpProbe, sourceOnlyProbe } from '../../src/strategies/featureExtraction.js';
import { accuracy, OPERATION, STEP_MOTION, transferSetup } from './transferFixture.js';

describe('feature extraction', () => {
  for (const [strategy, parameters] of [
    // 8 units into 3 classes; the MLP adds an 8-wide hidden layer.
    [sourceOnlyProbe, 8 * 3 + 3],
    [linearProbe, 8 * 3 + 3],
    [mlpProbe, 8 * 8 + 8 + 8 * 3 + 3],
  ] as const) {
    it(`${strategy.name} beats chance with a new head on frozen embeddings`, async () => {
      const { base, data, test } = transferSetup();
      const predictor = await strategy.adapt(base, OPERATION, data, { seed: 1 });
      const score = await accuracy(predictor, OPERATION, test);
      assert.ok(score > 0.5, `accuracy ${score} (chance 0.33)`);
      assert.equal(predictor.trainableParameters, parameters);
      assert.equal(predictor.model, undefined);
      predictor.dispose();
      base.dispose();
    });
  }

  it('source-only ignores the support windows, linear-probe learns from them', async () => {
    const { base, data, test } = transferSetup();
    const options = { seed: 2, steps: 50 };
    const run = async (
      strategy: typeof linearProbe,
      withSupport: boolean,
    ): Promise<Float32Array> => {
      const input = withSupport ? data : { ...data, support: undefined };
      const predictor = await strategy.adapt(base, OPERATION, input, options);
      const probabilities = await predictor.predict(test);
      predictor.dispose();
      return probabilities;
    };
    assert.deepEqual(await run(sourceOnlyProbe, true), await run(sourceOnlyProbe, false));
    assert.notDeepEqual(await run(linearProbe, true), await run(linearProbe, false));
    base.dispose();
  });

  it('embeds with the standardisation of the source training embeddings', async () => {
    const { base, data } = transferSetup();
    const predictor = await linearProbe.adapt(base, OPERATION, data, { seed: 1, steps: 1 });
    const rows = await predictor.embed(data.source);
    const units = base.config.recurrentUnits;
    for (let d = 0; d < units; d += 1) {
      let sum = 0;
      for (let r = 0; r < data.source.count; r += 1) sum += rows[r * units + d]!;
      assert.ok(
        Math.abs(sum / data.source.count) < 1e-4,
        `dim ${d} mean ${sum / data.source.count}`,
      );
    }
    predictor.dispose();
    base.dispose();
  });

  it('refuses step tasks, whose rows the pooled embedding cannot tell apart', async () => {
    const { base, data } = transferSetup(true);
    await assert.rejects(linearProbe.adapt(base, STEP_MOTION, data, { seed: 1 }), (e) =>
      isAdaptdError(e, 'CONFIG_INVALID'),
    );
    base.dispose();
  });
});
