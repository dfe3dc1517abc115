import { spread } from './collapseStats.js';

/** Live prediction statistics of one head over a rolling window of served windows. */
export interface LiveSummary {
  windows: number;
  meanConfidence: number;
  effectiveClasses: number;
  largestShare: number;
}

/** The last `capacity` predictions of one head: class and confidence. */
export class LiveStats {
  private readonly classes: number[] = [];
  private readonly confidences: number[] = [];

  constructor(
    private readonly classCount: number,
    private readonly capacity: number,
  ) {}

  add(classIndex: number, confidence: number): void {
    this.classes.push(classIndex);
    this.confidences.push(confidence);
    if (this.classes.length > this.capacity) {
      this.classes.shift();
      this.confidences.shift();
    }
  }

  clear(): void {
    this.classes.length = 0;
    this.confidences.length = 0;
  }

  summary(): LiveSummary {
    const counts = new Array<number>(this.classCount).fill(0);
    for (const c of this.classes) counts[c]! += 1;
    const windows = this.classes.length;
    const total = this.confidences.reduce((a, b) => a + b, 0);
    return { windows, meanConfidence: windows === 0 ? 0 : total / windows, ...spread(counts) };
  }
}

export interface ProbationSettings {
  /** Windows the probation lasts. */
  windows: number;
  /** Largest fall of mean confidence against the baseline. */
  confidenceDrop: number;
  minEffectiveClasses: number;
  maxClassShare: number;
}

export type ProbationStep =
  { state: 'watching' } | { state: 'passed' } | { state: 'tripped'; reason: string };

/**
 * Guardrails on live windows after a promotion. Judged once a quarter of the probation (at
 * least 16 windows) has been served, then on every window until it ends: a mean-confidence
 * fall beyond the limit against the champion's live baseline, or a collapse of the live
 * predictions (effective classes below the floor and below the baseline's, or one class
 * above the share limit and above the baseline's) trips it.
 */
export class Probation {
  private readonly live: LiveStats;
  private seen = 0;

  constructor(
    classCount: number,
    private readonly baseline: LiveSummary,
    private readonly settings: ProbationSettings,
  ) {
    this.live = new LiveStats(classCount, settings.windows);
  }

  observe(classIndex: number, confidence: number): ProbationStep {
    this.live.add(classIndex, confidence);
    this.seen += 1;
    const judgeFrom = Math.min(
      this.settings.windows,
      Math.max(16, Math.ceil(this.settings.windows / 4)),
    );
    if (this.seen >= judgeFrom) {
      const reason = this.trip(this.live.summary());
      if (reason !== undefined) return { state: 'tripped', reason };
    }
    return this.seen >= this.settings.windows ? { state: 'passed' } : { state: 'watching' };
  }

  private trip(now: LiveSummary): string | undefined {
    const { baseline, settings } = this;
    if (
      baseline.windows > 0 &&
      now.meanConfidence < baseline.meanConfidence - settings.confidenceDrop
    ) {
      return (
        `mean confidence on ${now.windows} live windows fell to ${now.meanConfidence.toFixed(3)} ` +
        `from ${baseline.meanConfidence.toFixed(3)} (limit ${settings.confidenceDrop})`
      );
    }
    const floor = Math.min(
      settings.minEffectiveClasses,
      baseline.windows > 0 ? baseline.effectiveClasses : Infinity,
    );
    if (now.effectiveClasses < floor) {
      return `live predictions collapsed to ${now.effectiveClasses.toFixed(2)} effective classes (floor ${floor.toFixed(2)})`;
    }
    const limit = Math.max(settings.maxClassShare, baseline.largestShare);
    if (now.largestShare > limit) {
      return `one class takes ${now.largestShare.toFixed(3)} of the live predictions (limit ${limit.toFixed(3)})`;
    }
    return undefined;
  }
}
