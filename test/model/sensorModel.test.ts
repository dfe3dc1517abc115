import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { adapterGroups, encoderGroups } from '../../src/model/modelConfig.js';
import { SensorModel } from '../../src/model/sensorModel.js';
import { disposeInputs, tinyConfig, tinyInputs } from '../support/tinyModel.js';

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

describe('SensorModel', () => {
  it('gives one embedding per window and logits per head', () => {
    const config = tinyConfig();
    const model = new SensorModel(config);
    const inputs = tinyInputs(config, 5);
    const out = model.forward(inputs, { reconstruct: true });
    assert.deepEqual(out.embedding.shape, [5, config.recurrentUnits]);
    assert.deepEqual(out.logits.operation!.shape, [5, 3]);
    assert.deepEqual(out.logits.motion!.shape, [5, 4]);
    assert.deepEqual(out.reconstruction!.shape, [5 * 4, config.patch * config.channels]);
    tf.dispose([out.embedding, out.last, out.reconstruction!, ...Object.values(out.logits)]);
    disposeInputs(inputs);
    model.dispose();
  });

  it('gives a step head one row of logits per input row', () => {
    const config = tinyConfig({
      heads: [{ name: 'motion', classes: ['G0', 'G1', 'G2', 'G3'], reads: 'step' }],
    });
    const model = new SensorModel(config);
    const inputs = tinyInputs(config, 3);
    const logits = tf.tidy(() => model.forward(inputs).logits.motion!);
    assert.deepEqual(logits.shape, [3 * config.windowLength, 4]);
    logits.dispose();
    disposeInputs(inputs);
    model.dispose();
  });

  it('ignores the values of masked channels', () => {
    const config = tinyConfig();
    const model = new SensorModel(config);
    const inputs = tinyInputs(config, 2);
    const mask = tf.tensor2d([
      [1, 1, 0, 1, 1, 1],
      [1, 1, 0, 1, 1, 1],
    ]);
    const channelMask = tf.reshape(mask, [2, 1, 6]);
    const zeroed = tf.mul(inputs.x, channelMask) as tf.Tensor3D;
    const garbage = tf.add(zeroed, tf.mul(tf.sub(1, channelMask), 100)) as tf.Tensor3D;
    const a = model.forward({ ...inputs, x: zeroed, mask }, { headless: true });
    const b = model.forward({ ...inputs, x: tf.mul(garbage, channelMask) as tf.Tensor3D, mask });
    assert.ok(maxAbsDiff(a.embedding, b.embedding) < 1e-6);
    const unmasked = model.forward({ ...inputs, x: garbage, mask: tf.onesLike(mask) });
    assert.ok(maxAbsDiff(a.embedding, unmasked.embedding) > 1e-3, 'channel values must matter');
    tf.dispose([mask, channelMask, zeroed, garbage]);
    disposeInputs(inputs);
    model.dispose();
  });

  it('still embeds a window whose whole modality is missing', () => {
    const config = tinyConfig();
    const model = new SensorModel(config);
    const inputs = tinyInputs(config, 2);
    const mask = tf.tensor2d([
      [1, 1, 1, 0, 0, 0],
      [1, 1, 1, 0, 0, 0],
    ]);
    const out = model.forward({ ...inputs, mask }, { headless: true });
    const values = out.embedding.dataSync();
    assert.ok(values.every(Number.isFinite));
    tf.dispose([mask, out.embedding, out.last]);
    disposeInputs(inputs);
    model.dispose();
  });

  it('reads a contiguous modality by slice exactly as an interleaved one by gather', () => {
    const contiguous = new SensorModel(tinyConfig());
    const interleaved = new SensorModel(
      tinyConfig({
        modalities: [
          { name: 'current', channels: [0, 2, 4] },
          { name: 'accel', channels: [1, 3, 5] },
        ],
      }),
    );
    const weights = contiguous.store.snapshot();
    interleaved.store.assign(weights);
    tf.dispose(Object.values(weights));
    const inputs = tinyInputs(tinyConfig(), 3);
    // Column k of the interleaved layout holds what column order[k] holds in the contiguous one.
    const order = tf.tensor1d([0, 3, 1, 4, 2, 5], 'int32');
    const moved = {
      ...inputs,
      x: tf.gather(inputs.x, order, 2),
      mask: tf.tensor2d([
        [1, 1, 1, 1, 1, 1],
        [1, 0, 1, 1, 1, 1],
        [1, 1, 1, 1, 0, 0],
      ]),
    };
    const mask = tf.gather(moved.mask, tf.tensor1d([0, 2, 4, 1, 3, 5], 'int32'), 1);
    const a = contiguous.forward({ ...inputs, mask });
    const b = interleaved.forward(moved);
    assert.ok(maxAbsDiff(a.embedding, b.embedding) < 1e-5, 'embeddings differ');
    assert.ok(maxAbsDiff(a.logits.operation!, b.logits.operation!) < 1e-5, 'logits differ');
    tf.dispose([order, moved.x, moved.mask, mask, a.embedding, b.embedding]);
    tf.dispose([a.last, b.last, ...Object.values(a.logits), ...Object.values(b.logits)]);
    disposeInputs(inputs);
    contiguous.dispose();
    interleaved.dispose();
  });

  it('starts with identity adapters: zeroing adapter weights changes nothing', () => {
    const config = tinyConfig();
    const model = new SensorModel(config);
    const inputs = tinyInputs(config, 3);
    const before = model.forward(inputs, { headless: true }).embedding;
    const adapters = model.store.inGroups(adapterGroups(config));
    assert.ok(adapters.length > 0);
    const ups = model.store.names().filter((n) => n.includes('.up.'));
    for (const name of ups) {
      assert.equal(
        tf.tidy(() => tf.max(tf.abs(model.store.variable(name))).dataSync()[0]),
        0,
      );
    }
    // Perturbing a down-projection still leaves the output unchanged while up is zero.
    const down = model.store.names().find((n) => n.includes('.down.kernel'))!;
    model.store.variable(down).assign(tf.randomNormal(model.store.variable(down).shape));
    const after = model.forward(inputs, { headless: true }).embedding;
    assert.ok(maxAbsDiff(before, after) < 1e-6);
    disposeInputs(inputs);
    model.dispose();
  });

  it('clones into an independent copy with equal outputs', () => {
    const config = tinyConfig();
    const model = new SensorModel(config, 5);
    const copy = model.clone();
    const inputs = tinyInputs(config, 2);
    const a = model.forward(inputs, { headless: true }).embedding;
    const b = copy.forward(inputs, { headless: true }).embedding;
    assert.ok(maxAbsDiff(a, b) === 0);
    const name = copy.store.names()[0]!;
    copy.store.variable(name).assign(tf.zerosLike(copy.store.variable(name)));
    const c = model.forward(inputs, { headless: true }).embedding;
    assert.ok(maxAbsDiff(a, c) === 0, 'changing the copy must not change the original');
    disposeInputs(inputs);
    model.dispose();
    copy.dispose();
  });

  it('lists layer groups in forward order', () => {
    const config = tinyConfig();
    const model = new SensorModel(config);
    const groups = model.store.groups().filter((g) => !g.startsWith('adapter.'));
    const encoder = encoderGroups(config);
    assert.deepEqual(groups.slice(0, encoder.length), encoder);
    assert.deepEqual(
      groups.slice(encoder.length).filter((g) => g.startsWith('head.')),
      groups.slice(encoder.length),
    );
    for (const g of encoder) assert.ok(model.store.parameterCount([g]) > 0, `${g} is empty`);
    model.dispose();
  });

  it('does not grow the tensor count over repeated inference', () => {
    const config = tinyConfig();
    const model = new SensorModel(config);
    const inputs = tinyInputs(config, 4);
    const run = (): void => {
      tf.tidy(() => {
        model.forward(inputs);
      });
    };
    run();
    const start = tf.memory().numTensors;
    for (let i = 0; i < 20; i += 1) run();
    assert.equal(tf.memory().numTensors, start);
    disposeInputs(inputs);
    model.dispose();
  });
});
