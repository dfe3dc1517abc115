import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import {
  dannLambda,
  gradientReversal,
} from '../../../src/strategies/alignment/gradientReversal.js';

describe('gradientReversal', () => {
  it('passes values through unchanged', () => {
    const x = tf.tensor2d([
      [1, -2],
      [3.5, 0],
    ]);
    const y = gradientReversal(x, 0.7);
    assert.notEqual(y, x, 'a new tensor, not the input');
    assert.deepEqual(y.shape, x.shape);
    assert.deepEqual(Array.from(y.dataSync()), Array.from(x.dataSync()));
    tf.dispose([x, y]);
  });

  it('reverses the gradient and scales it by lambda', () => {
    const before = tf.memory().numTensors;
    const x = tf.tensor1d([1, 2, 3]);
    const weights = tf.tensor1d([0.5, -1, 2]);
    // d/dx sum(w * x^2) = 2 w x; through the reversal: -lambda * 2 w x.
    const plain = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(weights, tf.square(v))))(x);
    for (const lambda of [0, 0.3, 1, 2.5]) {
      const reversed = tf.grad((v: tf.Tensor) =>
        tf.sum(tf.mul(weights, tf.square(gradientReversal(v, lambda)))),
      )(x);
      const expected = Array.from(plain.dataSync(), (g) => -lambda * g);
      Array.from(reversed.dataSync()).forEach((g, i) => {
        assert.ok(Math.abs(g - expected[i]!) < 1e-6, `lambda ${lambda}: ${g} vs ${expected[i]}`);
      });
      reversed.dispose();
    }
    tf.dispose([x, weights, plain]);
    assert.equal(tf.memory().numTensors, before);
  });

  it('reverses only the path through it', () => {
    const x = tf.scalar(2);
    // f = 3x + 5 * R(x): gradient 3 - 5 lambda.
    const g = tf.grad((v: tf.Tensor) => tf.add(tf.mul(3, v), tf.mul(5, gradientReversal(v, 0.4))))(
      x,
    );
    assert.ok(Math.abs(g.dataSync()[0]! - (3 - 5 * 0.4)) < 1e-6);
    tf.dispose([x, g]);
  });
});

describe('dannLambda', () => {
  it('starts at 0, rises monotonically and approaches 1', () => {
    assert.equal(dannLambda(0), 0);
    const values = Array.from({ length: 11 }, (_, i) => dannLambda(i / 10));
    values.slice(1).forEach((v, i) => assert.ok(v > values[i]!, `not increasing at ${i + 1}`));
    assert.ok(Math.abs(dannLambda(0.5) - (2 / (1 + Math.exp(-5)) - 1)) < 1e-12);
    assert.ok(dannLambda(1) > 0.999 && dannLambda(1) < 1);
  });
});
