import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { argmaxRows, scoreClassification } from '../../src/evaluation/classificationScores.js';

describe('scoreClassification', () => {
  it('matches hand-computed figures', () => {
    // truth: 0 0 0 1 1 2 ; predicted: 0 0 1 1 0 2
    const scores = scoreClassification([0, 0, 0, 1, 1, 2], [0, 0, 1, 1, 0, 2], 3);
    assert.equal(scores.accuracy, 4 / 6);
    assert.ok(Math.abs(scores.balancedAccuracy - (2 / 3 + 1 / 2 + 1) / 3) < 1e-12);
    const f1Class0 = (2 * (2 / 3) * (2 / 3)) / (4 / 3);
    const f1Class1 = (2 * 0.5 * 0.5) / 1;
    assert.ok(Math.abs(scores.macroF1 - (f1Class0 + f1Class1 + 1) / 3) < 1e-12);
    assert.deepEqual(scores.confusion, [
      [2, 1, 0],
      [1, 1, 0],
      [0, 0, 1],
    ]);
  });

  it('skips unknown labels and averages over classes present only', () => {
    const scores = scoreClassification([-1, 0, 0, 2], [1, 0, 0, 2], 4);
    assert.equal(scores.count, 3);
    assert.deepEqual(scores.presentClasses, [0, 2]);
    assert.equal(scores.balancedAccuracy, 1);
  });

  it('takes the arg max of each row', () => {
    assert.deepEqual(Array.from(argmaxRows([0.1, 0.9, 0.5, 0.2, 0.3, 0.1], 2)), [1, 0, 0]);
  });
});
