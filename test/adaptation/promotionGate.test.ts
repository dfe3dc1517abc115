import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { collapseStats } from '../../src/adaptation/collapseStats.js';
import {
  judgeChallenger,
  type GateSettings,
  type ShadowEvidence,
} from '../../src/adaptation/promotionGate.js';

const SETTINGS: GateSettings = {
  minGain: 0.02,
  minHeldBack: 20,
  sourceTolerance: 0.05,
  minEffectiveClasses: 1.5,
  maxClassShare: 0.9,
  minMeanEntropy: 0.01,
  labelFree: true,
};

const SPREAD = { effectiveClasses: 2.8, largestShare: 0.4, meanEntropy: 0.7, rows: 100 };

function evidence(overrides: Partial<ShadowEvidence> = {}): ShadowEvidence {
  return {
    target: { champion: 0.6, challenger: 0.7, count: 40 },
    targetLabels: { effectiveClasses: 2.9, largestShare: 0.4 },
    source: { champion: 0.8, challenger: 0.79, count: 50 },
    collapse: { champion: SPREAD, challenger: SPREAD },
    ...overrides,
  };
}

describe('judgeChallenger', () => {
  it('promotes a challenger that beats the champion by the margin', () => {
    const verdict = judgeChallenger(evidence(), SETTINGS);
    assert.equal(verdict.promote, true, verdict.reason);
    assert.equal(verdict.labelled, true, 'held-back labels decided');
  });

  it('rejects a worse challenger, naming both scores', () => {
    const verdict = judgeChallenger(
      evidence({ target: { champion: 0.7, challenger: 0.55, count: 40 } }),
      SETTINGS,
    );
    assert.equal(verdict.promote, false, 'a worse challenger is not promoted');
    assert.match(verdict.reason, /0\.550 against the champion's 0\.700/, verdict.reason);
  });

  it('rejects a gain below the margin', () => {
    const verdict = judgeChallenger(
      evidence({ target: { champion: 0.7, challenger: 0.71, count: 40 } }),
      SETTINGS,
    );
    assert.equal(verdict.promote, false, 'a gain of 0.01 is below the 0.02 margin');
  });

  it('rejects a challenger that loses the source beyond the tolerance', () => {
    const verdict = judgeChallenger(
      evidence({ source: { champion: 0.8, challenger: 0.7, count: 50 } }),
      SETTINGS,
    );
    assert.equal(verdict.promote, false, 'source accuracy fell by 0.1');
    assert.match(verdict.reason, /source holdout/, verdict.reason);
  });

  it('rejects a collapsed challenger even when its labelled score is higher', () => {
    const collapsed = { effectiveClasses: 1.05, largestShare: 0.99, meanEntropy: 0.001, rows: 100 };
    const verdict = judgeChallenger(
      evidence({ collapse: { champion: SPREAD, challenger: collapsed } }),
      SETTINGS,
    );
    assert.equal(verdict.promote, false, 'collapse blocks promotion');
    assert.match(verdict.reason, /^collapse/, verdict.reason);
  });

  it('does not call one class collapse when the labels are one class too', () => {
    const oneClass = { effectiveClasses: 1.1, largestShare: 0.97, meanEntropy: 0.2, rows: 100 };
    const verdict = judgeChallenger(
      evidence({
        targetLabels: { effectiveClasses: 1.0, largestShare: 1 },
        collapse: { champion: SPREAD, challenger: oneClass },
      }),
      SETTINGS,
    );
    assert.equal(verdict.promote, true, verdict.reason);
  });

  it('without enough held-back labels promotes label-free only where allowed', () => {
    const few = evidence({ target: { champion: 0.5, challenger: 0.9, count: 5 } });
    const free = judgeChallenger(few, SETTINGS);
    assert.equal(free.promote, true, free.reason);
    assert.equal(free.labelled, false, 'five windows are not a labelled check');
    const strict = judgeChallenger(few, { ...SETTINGS, labelFree: false });
    assert.equal(strict.promote, false, 'label-free promotion off');
  });
});

describe('collapseStats', () => {
  it('measures spread, largest share and entropy of predictions', () => {
    // Four rows over two classes: two confident for class 0, two even.
    const stats = collapseStats([1, 0, 1, 0, 0.5, 0.5, 0.4, 0.6], 2);
    assert.equal(stats.rows, 4, 'four rows');
    assert.equal(stats.largestShare, 0.75, 'three of four predicted class 0');
    const expectedEntropy = (Math.log(2) + -(0.4 * Math.log(0.4) + 0.6 * Math.log(0.6))) / 4;
    assert.ok(Math.abs(stats.meanEntropy - expectedEntropy) < 1e-9, `${stats.meanEntropy}`);
    const shareEntropy = -(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25));
    assert.ok(Math.abs(stats.effectiveClasses - Math.exp(shareEntropy)) < 1e-9, 'exp entropy');
  });

  it('reads one effective class when every row predicts the same class', () => {
    const stats = collapseStats([0.9, 0.1, 0.8, 0.2, 0.7, 0.3], 2);
    assert.equal(stats.effectiveClasses, 1, 'one class');
    assert.equal(stats.largestShare, 1, 'all rows');
  });
});
