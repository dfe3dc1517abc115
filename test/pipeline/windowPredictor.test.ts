import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { SensorModel } from '../../src/model/sensorModel.js';
import { WindowPredictor } from '../../src/pipeline/windowPredictor.js';
import type { SensorWindow } from '../../src/windows/sensorWindow.js';
import { TINY_HEADS } from '../support/tinyBundle.js';
import { tinyConfig } from '../support/tinyModel.js';

function windows(count: number, config = tinyConfig()): SensorWindow[] {
  const { windowLength: T, channels: C, contextSize: K } = config;
  return Array.from({ length: count }, (_, n) => ({
    id: `w${n}`,
    from: n,
    to: n + 1,
    x: Float32Array.from({ length: T * C }, (_, i) => Math.sin(i * 0.37 + n)),
    mask: new Float32Array(C).fill(1),
    context: Float32Array.from({ length: K }, (_, k) => (k === 0 ? 1 : 0)),
    gcode: [],
    doneThrough: n + 1,
    cutAt: n + 1,
  }));
}

describe('WindowPredictor', () => {
  it("returns each window's embedding from the same call, equal to the model's", async () => {
    await tf.ready();
    const model = new SensorModel(tinyConfig({ heads: TINY_HEADS }), 5);
    try {
      const batch = windows(3);
      const predictor = new WindowPredictor(model);
      const { results, embeddings } = await predictor.score(batch);
      assert.equal(results.length, 3, 'a result per window');
      assert.equal(embeddings.length, 3 * model.config.recurrentUnits, 'embeddings [3, units]');
      const { T, C, K } = { T: 16, C: 6, K: 3 };
      const expected = tf.tidy(() =>
        model
          .forward({
            x: tf.tensor3d(Float32Array.from(batch.flatMap((w) => [...w.x])), [3, T, C]),
            mask: tf.ones([3, C]),
            context: tf.tensor2d(Float32Array.from(batch.flatMap((w) => [...w.context])), [3, K]),
          })
          .embedding.dataSync(),
      );
      embeddings.forEach((value, i) =>
        assert.ok(
          Math.abs(value - expected[i]!) < 1e-5,
          `embedding ${i}: ${value} vs ${expected[i]}`,
        ),
      );
      assert.deepEqual(await predictor.predict(batch), results, 'predict gives the same results');
      const before = tf.memory().numTensors;
      for (let k = 0; k < 30; k += 1) await predictor.score(windows(4));
      assert.equal(tf.memory().numTensors, before, 'no tensor left behind over 30 batches');
    } finally {
      model.dispose();
    }
  });
});
