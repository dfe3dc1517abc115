import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { mmdLoss } from '../../../src/strategies/alignment/mmd.js';
import { mmdPermutationTest } from '../../../src/strategies/alignment/mmdPermutationTest.js';
import { mmdSquared } from '../../../src/strategies/alignment/mmdStatistic.js';
import { gaussian, seededRandom } from '../../../src/util/random.js';

/** Row-major normal samples [rows, dim] with a mean shift on the first feature. */
function sample(rows: number, dim: number, seed: number, shift = 0): Float32Array {
  const random = seededRandom(seed);
  return Float32Array.from({ length: rows * dim }, (_, i) =>
    i % dim === 0 ? gaussian(random) + shift : gaussian(random),
  );
}

/** Direct unbiased estimator with one Gaussian kernel of fixed width, for reference. */
function referenceMmd(x: number[][], y: number[][], width: number): number {
  const k = (a: number[], b: number[]): number =>
    Math.exp(-a.reduce((s, v, f) => s + (v - b[f]!) ** 2, 0) / (2 * width * width));
  const within = (s: number[][]): number => {
    let sum = 0;
    s.forEach((a, i) => s.forEach((b, j) => (sum += i === j ? 0 : k(a, b))));
    return sum / (s.length * (s.length - 1));
  };
  let across = 0;
  x.forEach((a) => y.forEach((b) => (across += k(a, b))));
  return within(x) + within(y) - (2 * across) / (x.length * y.length);
}

describe('MMD', () => {
  it('is near zero, either sign, for two samples of one distribution', () => {
    const values = [1, 2, 3, 4, 5, 6].map((s) =>
      mmdSquared(sample(60, 4, s), sample(60, 4, s + 100), 4),
    );
    assert.ok(
      values.every((v) => Math.abs(v) < 0.05),
      `no-shift values ${values.join(', ')}`,
    );
    assert.ok(
      values.some((v) => v < 0),
      'unbiased: some no-shift values fall below zero',
    );
  });

  it('is clearly positive for shifted samples and grows with the shift', () => {
    const noShift = [1, 2, 3, 4].map((s) =>
      Math.abs(mmdSquared(sample(60, 4, s), sample(60, 4, s + 100), 4)),
    );
    const small = mmdSquared(sample(60, 4, 1), sample(60, 4, 2, 2), 4);
    const large = mmdSquared(sample(60, 4, 1), sample(60, 4, 2, 3), 4);
    assert.ok(
      small > 5 * Math.max(...noShift),
      `shift 2 gives ${small}, no shift ${noShift.join(', ')}`,
    );
    assert.ok(large > small, `shift 3 gives ${large}, shift 2 gives ${small}`);
  });

  it('equals the textbook unbiased estimator for one kernel', () => {
    // Already standardised-looking rows: pooled mean 0 and variance 1 on both features.
    const x = [
      [-1, 1],
      [1, -1],
      [-1, -1],
    ];
    const y = [
      [1, 1],
      [-1, 1],
      [1, -1],
    ];
    const flat = (rows: number[][]): Float32Array => Float32Array.from(rows.flat());
    const pooled = [...x, ...y];
    const mean = [0, 1].map((f) => pooled.reduce((s, r) => s + r[f]!, 0) / 6);
    const sd = [0, 1].map((f) =>
      Math.sqrt(pooled.reduce((s, r) => s + (r[f]! - mean[f]!) ** 2, 0) / 6 + 1e-6),
    );
    const z = (rows: number[][]): number[][] =>
      rows.map((r) => r.map((v, f) => (v - mean[f]!) / sd[f]!));
    const zx = z(x);
    const zy = z(y);
    const distances: number[] = [];
    const zs = [...zx, ...zy];
    zs.forEach((a, i) =>
      zs.forEach((b, j) => {
        if (j > i) distances.push(a.reduce((s, v, f) => s + (v - b[f]!) ** 2, 0));
      }),
    );
    distances.sort((a, b) => a - b);
    const width = Math.sqrt(distances[Math.floor((distances.length - 1) / 2)]!);
    const expected = referenceMmd(zx, zy, width);
    const actual = mmdSquared(flat(x), flat(y), 2, { multipliers: [1] });
    assert.ok(Math.abs(actual - expected) < 1e-9, `${actual} vs ${expected}`);
  });

  it('gives the same value as tf ops and as typed arrays', () => {
    for (const shift of [0, 0.5, 2]) {
      const x = sample(24, 5, 7);
      const y = sample(20, 5, 8, shift);
      const plain = mmdSquared(x, y, 5);
      const tx = tf.tensor2d(x, [24, 5]);
      const ty = tf.tensor2d(y, [20, 5]);
      const loss = mmdLoss(tx, ty);
      const value = loss.dataSync()[0]!;
      tf.dispose([tx, ty, loss]);
      assert.ok(Math.abs(plain - value) < 1e-4, `shift ${shift}: ${plain} vs ${value}`);
    }
  });

  it('has gradients that pull the samples together and leaves no tensors behind', () => {
    const before = tf.memory().numTensors;
    const x = tf.tensor2d(sample(16, 3, 1), [16, 3]);
    const y = tf.tensor2d(sample(16, 3, 2, 2), [16, 3]);
    const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      mmdLoss(a as tf.Tensor2D, b as tf.Tensor2D),
    );
    const [gx, gy] = grads([x, y]);
    // The shift is +2 on feature 0 of y: descent moves x up and y down along it.
    const meanGx = tf.tidy(() => tf.mean(tf.slice(gx!, [0, 0], [-1, 1])).dataSync()[0]!);
    const meanGy = tf.tidy(() => tf.mean(tf.slice(gy!, [0, 0], [-1, 1])).dataSync()[0]!);
    assert.ok(meanGx < 0 && meanGy > 0, `gradients ${meanGx}, ${meanGy}`);
    tf.dispose([x, y, gx!, gy!]);
    assert.equal(tf.memory().numTensors, before);
  });

  it('rejects samples too small for the unbiased estimator', () => {
    assert.throws(() => mmdSquared(sample(1, 2, 1), sample(5, 2, 2), 2), /at least 2 rows/);
  });
});

describe('mmdPermutationTest', () => {
  it('gives large p-values without shift and small ones with it', () => {
    const same = mmdPermutationTest(sample(40, 3, 1), sample(40, 3, 2), 3, { permutations: 99 });
    const shifted = mmdPermutationTest(sample(40, 3, 1), sample(40, 3, 2, 1.5), 3, {
      permutations: 99,
    });
    assert.ok(same.pValue > 0.05, `no-shift p ${same.pValue}`);
    assert.ok(shifted.pValue <= 0.02, `shift p ${shifted.pValue}`);
    assert.ok(shifted.statistic > shifted.null95, 'shifted statistic above the null quantile');
    assert.ok(Math.abs(same.nullMean) < 0.02, `null mean ${same.nullMean}`);
    assert.ok(same.null95 > same.nullMean);
  });

  it('reports the same statistic as mmdSquared and repeats at a seed', () => {
    const x = sample(20, 2, 3);
    const y = sample(25, 2, 4, 0.7);
    const a = mmdPermutationTest(x, y, 2, { permutations: 30, seed: 5 });
    const b = mmdPermutationTest(x, y, 2, { permutations: 30, seed: 5 });
    assert.ok(Math.abs(a.statistic - mmdSquared(x, y, 2)) < 1e-12);
    assert.deepEqual(a, b);
  });

  it('rejects a permutation count that is not a positive integer', () => {
    assert.throws(
      () => mmdPermutationTest(sample(5, 2, 1), sample(5, 2, 2), 2, { permutations: 0 }),
      /positive integer, got 0/,
    );
  });
});
