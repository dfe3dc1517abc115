import { AdaptdError } from '../../errors.js';
import type { AdaptedPredictor } from '../strategy.js';
import type { LabelFreeScore } from './labelFreeScores.js';

export interface Candidate {
  name: string;
  predictor: AdaptedPredictor;
}

export interface Selection {
  best: Candidate;
  /** The score's name and direction, for reports. */
  score: string;
  better: 'higher' | 'lower';
  /** Every candidate's value, in the candidates' order. */
  values: { name: string; value: number }[];
}

/**
 * Index of the best finite value in the given direction; the first on ties; -1 when
 * no value is finite (a NaN score never wins).
 */
export function bestIndex(values: readonly number[], better: 'higher' | 'lower'): number {
  let best = -1;
  values.forEach((value, i) => {
    if (!Number.isFinite(value)) return;
    if (best === -1 || (better === 'higher' ? value > values[best]! : value < values[best]!)) {
      best = i;
    }
  });
  return best;
}

/** Scores every candidate with one label-free score and picks the best. */
export async function selectBy(
  candidates: readonly Candidate[],
  score: LabelFreeScore,
): Promise<Selection> {
  const values: { name: string; value: number }[] = [];
  for (const candidate of candidates) {
    values.push({ name: candidate.name, value: await score.score(candidate.predictor) });
  }
  const best = bestIndex(
    values.map((v) => v.value),
    score.better,
  );
  if (best === -1) {
    throw new AdaptdError(
      'TRAINING_FAILED',
      `no candidate has a finite ${score.name} score among ${candidates.length}`,
      { context: { score: score.name, candidates: values } },
    );
  }
  return { best: candidates[best]!, score: score.name, better: score.better, values };
}
