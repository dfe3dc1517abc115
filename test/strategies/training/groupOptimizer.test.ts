import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { isAdaptdError } from '../../../src/errors.js';
import { ParameterStore } from '../../../src/model/parameterStore.js';
import { GroupOptimizer } from '../../../src/strategies/training/groupOptimizer.js';
import type { LearningRateSchedule } from '../../../src/strategies/training/learningRateSchedule.js';
import { seededRandom } from '../../../src/util/random.js';

const constant: LearningRateSchedule = {
  warmupSteps: 0,
  totalSteps: 100,
  decay: 'cosine',
  floor: 1,
};

/** Two groups, each with a kernel (decayed) and a bias and a norm weight (not decayed). */
function twoGroupStore(): ParameterStore {
  const store = new ParameterStore(seededRandom(5));
  for (const group of ['lower', 'upper']) {
    store.get({ name: `${group}.kernel`, group, shape: [3, 2], init: 'glorot', decay: true });
    store.get({ name: `${group}.bias`, group, shape: [2], init: { normal: 1 }, decay: false });
    store.get({ name: `${group}.gamma`, group, shape: [2], init: 'ones', decay: false });
  }
  return store;
}

/** A loss touching every variable of the store. */
function quadratic(store: ParameterStore): () => tf.Scalar {
  return () =>
    tf.addN(
      store.names().map((n) => tf.sum(tf.square(tf.sub(store.variable(n), 0.3)))),
    ) as tf.Scalar;
}

function values(store: ParameterStore, name: string): Float32Array {
  return store.variable(name).dataSync() as Float32Array;
}

describe('GroupOptimizer', () => {
  it('takes the same steps as tf.train.adam for one group without decay', () => {
    const ours = twoGroupStore();
    const reference = twoGroupStore();
    const optimizer = new GroupOptimizer(ours, {
      rates: { lower: 0.01, upper: 0.01 },
      weightDecay: 0,
      schedule: constant,
    });
    const adam = tf.train.adam(0.01);
    const referenceVariables = reference.names().map((n) => reference.variable(n));
    for (let step = 0; step < 3; step += 1) {
      optimizer.step(quadratic(ours)).dispose();
      adam.minimize(quadratic(reference), false, referenceVariables);
    }
    for (const name of ours.names()) {
      const a = values(ours, name);
      const b = values(reference, name);
      a.forEach((v, i) => assert.ok(Math.abs(v - b[i]!) < 1e-6, `${name}[${i}]: ${v} vs ${b[i]}`));
    }
    optimizer.dispose();
    adam.dispose();
    ours.dispose();
    reference.dispose();
  });

  it('moves each group by its own rate on the first step', () => {
    const store = twoGroupStore();
    const before = values(store, 'lower.kernel').slice();
    const upperBefore = values(store, 'upper.kernel').slice();
    const optimizer = new GroupOptimizer(store, {
      rates: { lower: 0.001, upper: 0.004 },
      weightDecay: 0,
      schedule: constant,
    });
    optimizer.step(quadratic(store)).dispose();
    // Adam's first step is rate * sign(gradient), whatever the gradient's size.
    values(store, 'lower.kernel').forEach((v, i) => {
      assert.ok(Math.abs(Math.abs(v - before[i]!) - 0.001) < 1e-6);
    });
    values(store, 'upper.kernel').forEach((v, i) => {
      assert.ok(Math.abs(Math.abs(v - upperBefore[i]!) - 0.004) < 1e-6);
    });
    optimizer.dispose();
    store.dispose();
  });

  it('decays kernels but never biases or norm weights', () => {
    const store = twoGroupStore();
    const before = Object.fromEntries(store.names().map((n) => [n, values(store, n).slice()]));
    const optimizer = new GroupOptimizer(store, {
      rates: { lower: 0.1 },
      weightDecay: 0.5,
      schedule: constant,
    });
    // A zero gradient leaves only the decay term: kernel * (1 - rate * decay).
    const flat = (): tf.Scalar =>
      tf.mul(tf.addN(store.names().map((n) => tf.sum(store.variable(n)))), 0) as tf.Scalar;
    optimizer.step(flat).dispose();
    values(store, 'lower.kernel').forEach((v, i) => {
      assert.ok(Math.abs(v - before['lower.kernel']![i]! * 0.95) < 1e-6);
    });
    assert.deepEqual(values(store, 'lower.bias'), before['lower.bias']);
    assert.deepEqual(values(store, 'lower.gamma'), before['lower.gamma']);
    optimizer.dispose();
    store.dispose();
  });

  it('leaves groups without a rate bit-identical', () => {
    const store = twoGroupStore();
    const before = Object.fromEntries(store.names().map((n) => [n, values(store, n).slice()]));
    const optimizer = new GroupOptimizer(store, {
      rates: { upper: 0.01 },
      weightDecay: 0.1,
      schedule: constant,
    });
    for (let step = 0; step < 3; step += 1) optimizer.step(quadratic(store)).dispose();
    for (const name of ['lower.kernel', 'lower.bias', 'lower.gamma']) {
      assert.deepEqual(values(store, name), before[name]);
    }
    assert.notDeepEqual(values(store, 'upper.kernel'), before['upper.kernel']);
    assert.equal(optimizer.trainableParameters(), 6 + 2 + 2);
    optimizer.dispose();
    store.dispose();
  });

  it('follows the schedule and adds groups while training', () => {
    const store = twoGroupStore();
    const optimizer = new GroupOptimizer(store, {
      rates: { upper: 0.01 },
      weightDecay: 0,
      schedule: { warmupSteps: 2, totalSteps: 10, decay: 'linear', floor: 0 },
    });
    assert.equal(optimizer.currentRate('upper'), 0.005);
    assert.equal(optimizer.currentRate('lower'), 0);
    optimizer.step(quadratic(store)).dispose();
    optimizer.setRates({ upper: 0.01, lower: 0.002 });
    assert.equal(optimizer.currentRate('lower'), 0.002);
    assert.deepEqual(optimizer.trainableGroups, ['upper', 'lower']);
    optimizer.dispose();
    store.dispose();
  });

  it('clips the global gradient norm', () => {
    const store = twoGroupStore();
    // With both betas 0 and a huge epsilon, rate / epsilon = 1 turns Adam into plain
    // gradient descent with step size 1, so the update is the clipped gradient itself.
    const optimizer = new GroupOptimizer(store, {
      rates: { lower: 1e6 },
      weightDecay: 0,
      schedule: constant,
      beta1: 0,
      beta2: 0,
      epsilon: 1e6,
      clipNorm: 0.5,
    });
    const names = ['lower.kernel', 'lower.bias', 'lower.gamma'];
    const before = names.map((n) => values(store, n).slice());
    optimizer.step(quadratic(store)).dispose();
    let squared = 0;
    names.forEach((n, k) => {
      values(store, n).forEach((v, i) => (squared += (v - before[k]![i]!) ** 2));
    });
    assert.ok(Math.abs(Math.sqrt(squared) - 0.5) < 1e-4, `update norm ${Math.sqrt(squared)}`);
    optimizer.dispose();
    store.dispose();
  });

  it('refuses unknown groups and bad rates', () => {
    const store = twoGroupStore();
    const make = (rates: Record<string, number>): GroupOptimizer =>
      new GroupOptimizer(store, { rates, weightDecay: 0, schedule: constant });
    assert.throws(
      () => make({ middle: 0.1 }),
      (e) => isAdaptdError(e, 'CONFIG_INVALID'),
    );
    assert.throws(
      () => make({ lower: 0 }),
      (e) => isAdaptdError(e, 'CONFIG_INVALID'),
    );
    store.dispose();
  });

  it('keeps the tensor count flat over steps and frees its state on dispose', () => {
    const store = twoGroupStore();
    const start = tf.memory().numTensors;
    const optimizer = new GroupOptimizer(store, {
      rates: { lower: 0.01, upper: 0.02 },
      weightDecay: 0.01,
      schedule: constant,
      clipNorm: 1,
    });
    optimizer.step(quadratic(store)).dispose();
    const afterFirst = tf.memory().numTensors;
    for (let step = 0; step < 5; step += 1) optimizer.step(quadratic(store)).dispose();
    assert.equal(tf.memory().numTensors, afterFirst);
    optimizer.dispose();
    assert.equal(tf.memory().numTensors, start);
    store.dispose();
  });
});
