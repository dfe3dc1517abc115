import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import type { SensorModel } from '../../src/model/sensorModel.js';
import { adapters } from '../../src/strategies/adapters.js';
import { linearProbe, mlpProbe, sourceOnlyProbe } from '../../src/strategies/featureExtraction.js';
import { fineTuneGradual, fineTuneLlrd } from '../../src/strategies/fineTune.js';
import { gcodeSelf } from '../../src/strategies/gcodeSelfSupervision.js';
import { prototypes } from '../../src/strategies/prototypes.js';
import type { TransferStrategy } from '../../src/strategies/strategy.js';
import { OPERATION, STEP_MOTION, transferSetup } from './transferFixture.js';

/** Each strategy of this part with the task it is checked on. */
const CASES: [TransferStrategy, boolean][] = [
  [sourceOnlyProbe, false],
  [linearProbe, false],
  [mlpProbe, false],
  [fineTuneLlrd, false],
  [fineTuneGradual, true],
  [prototypes, false],
  [adapters, true],
  [gcodeSelf, true],
];

function weights(model: SensorModel): Map<string, Float32Array> {
  return new Map(
    model.store.names().map((n) => [n, model.store.variable(n).dataSync() as Float32Array]),
  );
}

describe('every strategy of this part', () => {
  for (const [strategy, step] of CASES) {
    const task = step ? STEP_MOTION : OPERATION;
    it(`${strategy.name}: leaves the base model alone, predicts probabilities, frees its tensors`, async () => {
      const { base, data, test } = transferSetup(step);
      const before = weights(base);
      const options = { seed: 3, steps: 4, batchSize: 8 };
      // The first run may create lasting state (kernels, backend caches); count after it.
      (await strategy.adapt(base, task, data, options)).dispose();
      const tensors = tf.memory().numTensors;
      for (let run = 0; run < 2; run += 1) {
        const predictor = await strategy.adapt(base, task, data, { ...options, seed: run });
        const probabilities = await predictor.predict(test);
        const rows = test.count * (step ? test.length : 1);
        assert.equal(probabilities.length, rows * task.classes.length);
        for (let r = 0; r < rows; r += 1) {
          const sum = probabilities
            .subarray(r * task.classes.length, (r + 1) * task.classes.length)
            .reduce((a, b) => a + b, 0);
          assert.ok(Math.abs(sum - 1) < 1e-4, `row ${r} sums to ${sum}`);
        }
        const embeddings = await predictor.embed(test);
        assert.equal(embeddings.length, test.count * base.config.recurrentUnits);
        assert.ok(predictor.model === undefined || predictor.model !== base);
        predictor.dispose();
        assert.equal(tf.memory().numTensors, tensors, `tensors after run ${run}`);
      }
      const after = weights(base);
      for (const [name, values] of before) assert.deepEqual(after.get(name), values, name);
      base.dispose();
    });
  }
});
