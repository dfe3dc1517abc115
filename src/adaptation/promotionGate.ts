import type { CollapseStats } from './collapseStats.js';

/** One score of champion and challenger on the same labelled windows. */
export interface PairedScore {
  champion: number;
  challenger: number;
  /** Labelled windows (rows for step heads) behind the scores. */
  count: number;
}

/** What shadow scoring found, for the gate to judge. */
export interface ShadowEvidence {
  /** Balanced accuracy on held-back labelled target windows; absent without labels. */
  target?: PairedScore;
  /** How spread the held-back labels themselves are over the classes. */
  targetLabels?: { effectiveClasses: number; largestShare: number };
  /** Balanced accuracy on the source holdout; absent when the model ships none. */
  source?: PairedScore;
  /** Prediction spread of each on the target windows. */
  collapse: { champion: CollapseStats; challenger: CollapseStats };
}

export interface GateSettings {
  /** Balanced-accuracy gain on held-back target windows a challenger must show. */
  minGain: number;
  /** Fewest held-back labelled windows for a labelled verdict. */
  minHeldBack: number;
  /** Largest loss of source-holdout balanced accuracy allowed. */
  sourceTolerance: number;
  minEffectiveClasses: number;
  maxClassShare: number;
  minMeanEntropy: number;
  /** Whether a challenger may be promoted without a labelled check. */
  labelFree: boolean;
}

export interface GateVerdict {
  promote: boolean;
  /** Whether labelled target windows decided (a labelled check). */
  labelled: boolean;
  reason: string;
}

/**
 * The promotion rules, in order: no collapse the champion did not already show; source
 * holdout within tolerance; on enough held-back labelled target windows, a gain of at least
 * `minGain`; without them, promotion only where label-free adaptation is allowed. Collapse
 * limits bend to the labels: when the held-back labels are themselves concentrated on one
 * class, predicting that class is not collapse.
 */
export function judgeChallenger(evidence: ShadowEvidence, settings: GateSettings): GateVerdict {
  const labelled = evidence.target !== undefined && evidence.target.count >= settings.minHeldBack;
  const collapse = collapseReason(evidence, settings);
  if (collapse !== undefined) return { promote: false, labelled, reason: collapse };
  const source = evidence.source;
  if (source !== undefined && source.challenger < source.champion - settings.sourceTolerance) {
    return {
      promote: false,
      labelled,
      reason:
        `source holdout balanced accuracy fell from ${fixed(source.champion)} to ` +
        `${fixed(source.challenger)}, more than the tolerance ${settings.sourceTolerance}`,
    };
  }
  if (labelled) {
    const target = evidence.target!;
    const gain = target.challenger - target.champion;
    if (!(gain >= settings.minGain)) {
      return {
        promote: false,
        labelled,
        reason:
          `target balanced accuracy ${fixed(target.challenger)} against the champion's ` +
          `${fixed(target.champion)} on ${target.count} held-back windows: gain ${fixed(gain)} ` +
          `below the margin ${settings.minGain}`,
      };
    }
    return {
      promote: true,
      labelled,
      reason:
        `target balanced accuracy ${fixed(target.champion)} -> ${fixed(target.challenger)} on ` +
        `${target.count} held-back windows`,
    };
  }
  const held = evidence.target?.count ?? 0;
  if (!settings.labelFree) {
    return {
      promote: false,
      labelled,
      reason: `only ${held} held-back labelled target windows (need ${settings.minHeldBack}) and label-free promotion is off`,
    };
  }
  return {
    promote: true,
    labelled,
    reason: `label-free: no collapse, source holdout within tolerance (${held} held-back labelled windows)`,
  };
}

function collapseReason(evidence: ShadowEvidence, settings: GateSettings): string | undefined {
  const { champion, challenger } = evidence.collapse;
  const labels = evidence.targetLabels;
  const minEffective = Math.min(
    settings.minEffectiveClasses,
    labels === undefined ? Infinity : labels.effectiveClasses * 0.9,
  );
  const maxShare = Math.max(settings.maxClassShare, labels === undefined ? 0 : labels.largestShare);
  if (
    challenger.effectiveClasses < minEffective &&
    challenger.effectiveClasses < champion.effectiveClasses
  ) {
    return (
      `collapse: predictions spread over ${fixed(challenger.effectiveClasses)} effective ` +
      `classes (champion ${fixed(champion.effectiveClasses)}, floor ${fixed(minEffective)})`
    );
  }
  if (challenger.largestShare > maxShare && challenger.largestShare > champion.largestShare) {
    return (
      `collapse: one class takes ${fixed(challenger.largestShare)} of the predictions ` +
      `(champion ${fixed(champion.largestShare)}, limit ${fixed(maxShare)})`
    );
  }
  if (
    challenger.meanEntropy < settings.minMeanEntropy &&
    challenger.meanEntropy < champion.meanEntropy
  ) {
    return (
      `collapse: mean prediction entropy ${challenger.meanEntropy.toPrecision(3)} nats below ` +
      `the floor ${settings.minMeanEntropy}`
    );
  }
  return undefined;
}

function fixed(value: number): string {
  return value.toFixed(3);
}
