import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { coralLoss } from '../../../src/strategies/alignment/coral.js';

function value(loss: tf.Scalar): number {
  const out = loss.dataSync()[0]!;
  loss.dispose();
  return out;
}

describe('coralLoss', () => {
  it('is zero for equal covariances, whatever the means', () => {
    const source = tf.randomNormal<tf.Rank.R2>([30, 4], 0, 1, 'float32', 1);
    const shifted = tf.add(source, tf.tensor1d([3, -2, 0.5, 10])) as tf.Tensor2D;
    assert.ok(value(coralLoss(source, shifted)) < 1e-9);
    tf.dispose([source, shifted]);
  });

  it('equals |C_s - C_t|^2 / (4 d^2) on a hand-computed case', () => {
    // Source covariance diag(1, 1); target scaled by 2 on feature 0: diag(4, 1).
    const source = tf.tensor2d([
      [1, 1],
      [-1, -1],
      [1, -1],
      [-1, 1],
    ]);
    const target = tf.tensor2d([
      [2, 1],
      [-2, -1],
      [2, -1],
      [-2, 1],
    ]);
    // Sample covariance with n-1 = 3: source diag(4/3, 4/3), target diag(16/3, 4/3).
    const expected = (16 / 3 - 4 / 3) ** 2 / (4 * 2 * 2);
    assert.ok(Math.abs(value(coralLoss(source, target)) - expected) < 1e-5);
    tf.dispose([source, target]);
  });

  it('sends gradients that bring the target covariance towards the source', () => {
    const before = tf.memory().numTensors;
    const source = tf.randomNormal<tf.Rank.R2>([40, 3], 0, 1, 'float32', 2);
    const target = tf.tidy(() =>
      tf.variable(tf.randomNormal<tf.Rank.R2>([40, 3], 0, 3, 'float32', 3)),
    );
    const optimizer = tf.train.sgd(20);
    const first = value(coralLoss(source, target));
    for (let step = 0; step < 30; step += 1) {
      optimizer.minimize(() => coralLoss(source, target), false, [target]);
    }
    const last = value(coralLoss(source, target));
    assert.ok(last < first / 4, `CORAL went from ${first} to ${last}`);
    tf.dispose([source, target]);
    optimizer.dispose();
    assert.equal(tf.memory().numTensors, before);
  });

  it('rejects features of different widths', () => {
    const a = tf.zeros<tf.Rank.R2>([4, 2]);
    const b = tf.zeros<tf.Rank.R2>([4, 3]);
    assert.throws(() => coralLoss(a, b), /equal width, got \[4, 2\] and \[4, 3\]/);
    tf.dispose([a, b]);
  });
});
