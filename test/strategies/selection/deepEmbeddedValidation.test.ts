import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  deepEmbeddedValidation,
  devRisk,
} from '../../../src/strategies/selection/deepEmbeddedValidation.js';
import { logisticDomainClassifier } from '../../../src/strategies/selection/logisticDomainClassifier.js';
import { gaussian, seededRandom } from '../../../src/util/random.js';

/** Rows [rows, 2]: feature 0 ~ N(shift, 1), feature 1 ~ N(0, 1). */
function sample(rows: number, shift: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  return Float32Array.from({ length: rows * 2 }, (_, i) =>
    i % 2 === 0 ? gaussian(random) + shift : gaussian(random),
  );
}

describe('devRisk', () => {
  it('applies the control variate to the weighted losses', () => {
    const losses = [1, 2, 3, 4];
    const weights = [0.5, 1, 1, 2];
    // L = [0.5, 2, 3, 8], mean 3.375; W mean 1.125.
    const l = [0.5, 2, 3, 8];
    const cov = l.reduce((s, v, i) => s + (v - 3.375) * (weights[i]! - 1.125), 0);
    const variance = weights.reduce((s, w) => s + (w - 1.125) ** 2, 0);
    const eta = -cov / variance;
    const result = devRisk(losses, weights);
    assert.ok(Math.abs(result.eta - eta) < 1e-12);
    assert.ok(Math.abs(result.risk - (3.375 + eta * 1.125 - eta)) < 1e-12);
    assert.equal(result.weightedLoss, 3.375);
  });

  it('is the plain mean loss when every weight is 1', () => {
    const result = devRisk([1, 2, 6], [1, 1, 1]);
    assert.equal(result.eta, 0);
    assert.equal(result.risk, 3);
  });

  it('refuses mismatched inputs', () => {
    assert.throws(() => devRisk([1, 2], [1]), /one weight each, got 2 and 1/);
  });
});

describe('logisticDomainClassifier', () => {
  it('is near 1/2 without shift and tells shifted domains apart', () => {
    const same = logisticDomainClassifier(sample(300, 0, 1), sample(300, 0, 2), 2);
    const shifted = logisticDomainClassifier(sample(300, 0, 1), sample(300, 3, 2), 2);
    const probe = Float32Array.from([0, 0, 3, 0]);
    assert.ok(Math.abs(same(probe, 0) - 0.5) < 0.1 && Math.abs(same(probe, 1) - 0.5) < 0.1);
    assert.ok(shifted(probe, 0) < 0.2, `source-like row: ${shifted(probe, 0)}`);
    assert.ok(shifted(probe, 1) > 0.8, `target-like row: ${shifted(probe, 1)}`);
  });
});

describe('deepEmbeddedValidation', () => {
  it('estimates the target risk where the source mean misses it', () => {
    // Loss x0^2: mean 1 on the source N(0, 1), 1 + 1 = 2 on the target N(1, 1).
    const validation = sample(3000, 0, 3);
    const losses = Float64Array.from({ length: 3000 }, (_, i) => validation[i * 2]! ** 2);
    const result = deepEmbeddedValidation({
      source: sample(3000, 0, 4),
      target: sample(3000, 1, 5),
      validation,
      validationLosses: losses,
      dim: 2,
    });
    const sourceMean = losses.reduce((a, b) => a + b, 0) / losses.length;
    assert.ok(Math.abs(sourceMean - 1) < 0.1);
    assert.ok(Math.abs(result.risk - 2) < 0.3, `DEV risk ${result.risk}, expected about 2`);
    assert.ok(result.eta !== 0);
  });

  it('ranks the candidate that is right where the target lies first', () => {
    const validation = sample(500, 0, 6);
    const input = { source: sample(500, 0, 7), target: sample(500, 2, 8), validation, dim: 2 };
    // Equal mean loss on the source; one is wrong on the right (target) side, one on the left.
    const rightWrong = Float64Array.from({ length: 500 }, (_, i) =>
      validation[i * 2]! > 0 ? 2 : 0,
    );
    const leftWrong = Float64Array.from({ length: 500 }, (_, i) =>
      validation[i * 2]! > 0 ? 0 : 2,
    );
    const good = deepEmbeddedValidation({ ...input, validationLosses: leftWrong });
    const bad = deepEmbeddedValidation({ ...input, validationLosses: rightWrong });
    assert.ok(good.risk < bad.risk, `right-side good ${good.risk}, right-side bad ${bad.risk}`);
  });
});
