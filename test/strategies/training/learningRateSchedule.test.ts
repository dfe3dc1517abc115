import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isAdaptdError } from '../../../src/errors.js';
import {
  checkSchedule,
  scheduleFactor,
  type LearningRateSchedule,
} from '../../../src/strategies/training/learningRateSchedule.js';

const cosine: LearningRateSchedule = {
  warmupSteps: 4,
  totalSteps: 14,
  decay: 'cosine',
  floor: 0.1,
};

describe('scheduleFactor', () => {
  it('climbs linearly during warm-up, starting above zero', () => {
    assert.deepEqual(
      [0, 1, 2, 3].map((s) => scheduleFactor(s, cosine)),
      [0.25, 0.5, 0.75, 1],
    );
  });

  it('decays from the peak to the floor at the last step', () => {
    assert.equal(scheduleFactor(4, cosine), 1);
    assert.ok(Math.abs(scheduleFactor(13, cosine) - 0.1) < 1e-12);
    // Halfway through a cosine decay the factor is halfway between peak and floor.
    const half: LearningRateSchedule = { ...cosine, totalSteps: 4 + 11 };
    assert.ok(Math.abs(scheduleFactor(4 + 5, half) - 0.55) < 1e-12);
  });

  it('decays in a straight line when asked', () => {
    const linear: LearningRateSchedule = {
      warmupSteps: 0,
      totalSteps: 5,
      decay: 'linear',
      floor: 0,
    };
    assert.deepEqual(
      [0, 1, 2, 3, 4].map((s) => scheduleFactor(s, linear)),
      [1, 0.75, 0.5, 0.25, 0],
    );
  });

  it('keeps the peak when no step is left for decay', () => {
    assert.equal(scheduleFactor(0, { ...cosine, warmupSteps: 0, totalSteps: 1 }), 1);
  });
});

describe('checkSchedule', () => {
  it('rejects a warm-up longer than the run and a floor outside 0 to 1', () => {
    assert.throws(
      () => checkSchedule({ ...cosine, warmupSteps: 20 }),
      (e) => isAdaptdError(e, 'CONFIG_INVALID'),
    );
    assert.throws(
      () => checkSchedule({ ...cosine, floor: 1.5 }),
      (e) => isAdaptdError(e, 'CONFIG_INVALID'),
    );
    assert.throws(
      () => checkSchedule({ ...cosine, totalSteps: 0 }),
      (e) => isAdaptdError(e, 'CONFIG_INVALID'),
    );
  });
});
