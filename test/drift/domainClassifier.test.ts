import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { auroc, domainClassifierScore } from '../../src/drift/domainClassifier.js';
import { seededRandom } from '../../src/util/random.js';
import { gaussianRows } from './syntheticStreams.js';

const dim = 6;
const rows = (count: number, seed: number, shift = 0) =>
  Float32Array.from(gaussianRows(count, dim, seed, shift).flat());

describe('domainClassifierScore', () => {
  it('scores about 0.5 and raises no alarm on one distribution', () => {
    const score = domainClassifierScore(rows(120, 1), rows(80, 2), dim, { permutations: 40 });
    assert.ok(Math.abs(score.auroc - 0.5) < 0.1, `AUROC ${score.auroc}`);
    assert.ok(Math.abs(score.proxyADistance) < 0.4, `proxy A-distance ${score.proxyADistance}`);
    assert.equal(score.alarm, false, `alarm with null quantile ${score.nullAuroc}`);
  });

  it('scores about 1 and alarms on separated distributions', () => {
    const score = domainClassifierScore(rows(120, 3), rows(80, 4, 1.5), dim, { permutations: 40 });
    assert.ok(score.auroc > 0.97, `AUROC ${score.auroc}`);
    assert.ok(score.proxyADistance > 1.6, `proxy A-distance ${score.proxyADistance}`);
    assert.ok(score.alarm && score.pValue <= 1 / 41, `alarm, p ${score.pValue}`);
  });

  it('refuses fewer rows than folds', () => {
    assert.throws(() => domainClassifierScore(rows(3, 5), rows(20, 6), dim), /a row per fold/);
  });
});

describe('auroc', () => {
  it('equals the share of correctly ordered pairs, ties counted half', () => {
    const random = seededRandom(9);
    const scores = Array.from({ length: 40 }, () => Math.round(random() * 6));
    const labels = scores.map((s) => (random() < 0.3 + s / 10 ? 1 : 0));
    let pairs = 0;
    let wins = 0;
    scores.forEach((a, i) =>
      scores.forEach((b, j) => {
        if (labels[i] !== 1 || labels[j] !== 0) return;
        pairs += 1;
        wins += a > b ? 1 : a === b ? 0.5 : 0;
      }),
    );
    assert.ok(Math.abs(auroc(scores, labels) - wins / pairs) < 1e-12, 'pairwise count');
  });
});
