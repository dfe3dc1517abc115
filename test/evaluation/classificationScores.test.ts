import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  argmaxRows,
  causalRunVote,
  scoreClassification,
} from '../../src/evaluation/classificationScores.js';

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

describe('causalRunVote', () => {
  it('gives each row the class of its run so far, never looking ahead or across runs', () => {
    // Run 0: a wrong first window, then two confident right ones; run 1 starts afresh.
    const probabilities = [0.6, 0.4, 0.1, 0.9, 0.2, 0.8, 0.9, 0.1, 0.3, 0.7];
    const runs = [0, 0, 0, 1, 1];
    // Row 1 of run 0: sums 0.7 and 1.3, class 1. Row 0 of run 1 ignores run 0's sums.
    assert.deepEqual(Array.from(causalRunVote(probabilities, runs, 2)), [0, 1, 1, 0, 0]);
    // Without the vote the last row of run 1 would be class 1; its run's first row outweighs it.
    assert.deepEqual(Array.from(argmaxRows(probabilities, 2)), [0, 1, 1, 0, 1]);
  });

  it('refuses run ids that do not match the rows', () => {
    assert.throws(() => causalRunVote([0.5, 0.5, 0.2, 0.8], [0], 2), RangeError);
  });
});
