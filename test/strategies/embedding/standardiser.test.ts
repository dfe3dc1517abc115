import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isAdaptdError } from '../../../src/errors.js';
import { Standardiser } from '../../../src/strategies/embedding/standardiser.js';

describe('Standardiser', () => {
  it('maps the fitted rows to mean 0 and standard deviation 1 per dimension', () => {
    const rows = Float32Array.from([1, 10, 3, 10, 5, 10]);
    const standardiser = Standardiser.fit(rows, 2);
    assert.deepEqual([...standardiser.mean], [3, 10]);
    const out = standardiser.apply(rows);
    const scale = Math.sqrt(8 / 3);
    [-2 / scale, 0, 0, 0, 2 / scale, 0].forEach((v, i) => assert.ok(Math.abs(out[i]! - v) < 1e-6));
  });

  it('applies the fitted statistics to other rows', () => {
    const standardiser = Standardiser.fit(Float32Array.from([0, 2]), 1);
    assert.deepEqual([...standardiser.apply(Float32Array.from([3]))], [2]);
  });

  it('refuses rows that do not split into whole embeddings', () => {
    assert.throws(
      () => Standardiser.fit(new Float32Array(5), 2),
      (e) => isAdaptdError(e, 'TRAINING_FAILED'),
    );
  });
});
