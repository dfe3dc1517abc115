import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { domainClassifierScore } from '../../src/drift/domainClassifier.js';
import { DomainScorer } from '../../src/drift/domainScorer.js';
import { isAdaptdError } from '../../src/errors.js';
import { gaussianRows } from './syntheticStreams.js';

const dim = 4;
const reference = Float32Array.from(gaussianRows(40, dim, 1).flat());
const recent = Float32Array.from(gaussianRows(30, dim, 2, 2).flat());

describe('DomainScorer', () => {
  it('scores in a worker thread exactly as the function does in process', async () => {
    const scorer = new DomainScorer({ permutations: 5, seed: 3 });
    const running = scorer.score(reference, recent, dim);
    assert.ok(scorer.busy, 'busy while the worker runs');
    await assert.rejects(
      scorer.score(reference, recent, dim),
      (error: unknown) => isAdaptdError(error) && error.code === 'INTERNAL',
      'one score at a time',
    );
    const score = await running;
    assert.deepEqual(
      score,
      domainClassifierScore(reference, recent, dim, { permutations: 5, seed: 3 }),
    );
    assert.ok(score.auroc > 0.9, `a shift of 2 sd is easy to tell: AUROC ${score.auroc}`);
    assert.ok(!scorer.busy, 'free again');
  });

  it('fails with SERVICE_FAILED when the score throws in the worker', async () => {
    const scorer = new DomainScorer({ permutations: 2 });
    await assert.rejects(
      scorer.score(reference, recent.subarray(0, dim), dim),
      (error: unknown) => isAdaptdError(error) && error.code === 'SERVICE_FAILED',
      'one recent row is too few for the folds',
    );
    assert.ok(!scorer.busy, 'free after a failure');
  });
});
