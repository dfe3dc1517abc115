import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { meanPredictionEntropy } from '../../../src/strategies/selection/predictionEntropy.js';

describe('meanPredictionEntropy', () => {
  it('is 0 for a collapsed, certain predictor and ln(classes) for a uniform one', () => {
    const collapsed = Float32Array.from([1, 0, 0, 1, 0, 0, 1, 0, 0]);
    const uniform = new Float32Array(9).fill(1 / 3);
    assert.equal(meanPredictionEntropy(collapsed, 3), 0);
    assert.ok(Math.abs(meanPredictionEntropy(uniform, 3) - Math.log(3)) < 1e-6);
  });

  it('averages the entropy of each row', () => {
    // Rows: [0.5, 0.5] has ln 2; [1, 0] has 0.
    const value = meanPredictionEntropy(Float32Array.from([0.5, 0.5, 1, 0]), 2);
    assert.ok(Math.abs(value - Math.log(2) / 2) < 1e-7);
  });

  it('refuses probabilities that are not whole rows', () => {
    assert.throws(() => meanPredictionEntropy(new Float32Array(5), 3), /length 5 .* 3 classes/);
  });
});
