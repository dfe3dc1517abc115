import { AdaptdError } from '../../errors.js';

export interface LearningRateSchedule {
  /** Steps over which the rate climbs linearly from near 0 to its peak. */
  warmupSteps: number;
  /** Steps of the whole run; the decay ends at the last one. */
  totalSteps: number;
  /** Shape of the decay after warm-up. */
  decay: 'cosine' | 'linear';
  /** Share of the peak rate left at the end of the decay (0 to 1). */
  floor: number;
}

/** A short warm-up, then cosine decay to 10 % of the peak over `totalSteps`. */
export function defaultSchedule(totalSteps: number): LearningRateSchedule {
  return {
    warmupSteps: Math.min(20, Math.floor(totalSteps / 10)),
    totalSteps,
    decay: 'cosine',
    floor: 0.1,
  };
}

/**
 * The factor (0 to 1] on the peak learning rate at 0-based `step`: linear warm-up over
 * `warmupSteps` (step 0 already trains at 1/warmupSteps of the peak, so no step is
 * wasted), then cosine or linear decay from 1 to `floor` at the last step.
 */
export function scheduleFactor(step: number, schedule: LearningRateSchedule): number {
  const { warmupSteps, totalSteps, floor } = schedule;
  if (step < warmupSteps) return (step + 1) / warmupSteps;
  const decaySteps = totalSteps - warmupSteps;
  if (decaySteps <= 1) return 1;
  const progress = Math.min(1, (step - warmupSteps) / (decaySteps - 1));
  const shape =
    schedule.decay === 'cosine' ? 0.5 * (1 + Math.cos(Math.PI * progress)) : 1 - progress;
  return floor + (1 - floor) * shape;
}

/** Rejects schedules that cannot run, naming the bad value. */
export function checkSchedule(schedule: LearningRateSchedule): void {
  const { warmupSteps, totalSteps, floor } = schedule;
  if (!Number.isInteger(totalSteps) || totalSteps < 1) {
    throw new AdaptdError(
      'CONFIG_INVALID',
      `schedule totalSteps is ${totalSteps}; allowed: an integer >= 1`,
    );
  }
  if (!Number.isInteger(warmupSteps) || warmupSteps < 0 || warmupSteps > totalSteps) {
    throw new AdaptdError(
      'CONFIG_INVALID',
      `schedule warmupSteps is ${warmupSteps}; allowed: an integer from 0 to totalSteps (${totalSteps})`,
    );
  }
  if (!(floor >= 0 && floor <= 1)) {
    throw new AdaptdError('CONFIG_INVALID', `schedule floor is ${floor}; allowed: 0 to 1`);
  }
}
