import { AdaptdError } from '../../errors.js';
import type { LabelledWindows } from '../../model/training/windowBatch.js';
import type { AdaptedPredictor, TransferTask } from '../strategy.js';
import { deepEmbeddedValidation } from './deepEmbeddedValidation.js';
import { meanPredictionEntropy } from './predictionEntropy.js';
import { softNeighbourhoodDensity, type SndOptions } from './softNeighbourhoodDensity.js';

/** A model-selection score computed without target labels, bound to its windows. */
export interface LabelFreeScore {
  name: string;
  /** Which way is better: entropy and DEV lower, SND higher. */
  better: 'higher' | 'lower';
  score(predictor: AdaptedPredictor): Promise<number>;
}

/** Mean prediction entropy on unlabelled target windows; lower is better. */
export function entropyScore(target: LabelledWindows, task: TransferTask): LabelFreeScore {
  return {
    name: 'entropy',
    better: 'lower',
    score: async (predictor) =>
      meanPredictionEntropy(await predictor.predict(target), task.classes.length),
  };
}

/** Soft neighbourhood density of the target embeddings; higher is better. */
export function sndScore(target: LabelledWindows, options: SndOptions = {}): LabelFreeScore {
  return {
    name: 'snd',
    better: 'higher',
    score: async (predictor) => {
      const embeddings = await predictor.embed(target);
      return softNeighbourhoodDensity(embeddings, embeddings.length / target.count, options);
    },
  };
}

export interface DevWindows {
  /** Source windows for the domain classifier (their labels are not read). */
  source: LabelledWindows;
  /** Labelled source windows held out from `source` and from training. */
  validation: LabelledWindows;
  /** Unlabelled target windows (their labels are not read). */
  target: LabelledWindows;
}

/**
 * Deep embedded validation of a predictor on the task: the target risk estimated from
 * labelled source validation windows weighted by p_t / p_s in the predictor's own
 * embedding; lower is better. Only the validation windows' labels are read.
 */
export function devScore(windows: DevWindows, task: TransferTask): LabelFreeScore {
  return {
    name: 'dev',
    better: 'lower',
    score: async (predictor) => {
      const source = await predictor.embed(windows.source);
      const dim = source.length / windows.source.count;
      const losses = windowLosses(
        await predictor.predict(windows.validation),
        windows.validation,
        task,
      );
      const kept = losses.flatMap((loss, w) => (Number.isNaN(loss) ? [] : [w]));
      const validation = await predictor.embed(windows.validation);
      const keptEmbeddings = new Float32Array(kept.length * dim);
      kept.forEach((w, i) =>
        keptEmbeddings.set(validation.subarray(w * dim, (w + 1) * dim), i * dim),
      );
      return deepEmbeddedValidation({
        source,
        target: await predictor.embed(windows.target),
        validation: keptEmbeddings,
        validationLosses: Float64Array.from(kept, (w) => losses[w]!),
        dim,
      }).risk;
    },
  };
}

/**
 * Cross-entropy of each validation window: -ln p(label), averaged over the labelled rows
 * for step tasks; NaN for a window without a known label.
 */
function windowLosses(
  probabilities: Float32Array,
  windows: LabelledWindows,
  task: TransferTask,
): number[] {
  const labels = windows.labels[task.head];
  if (labels === undefined) {
    throw new AdaptdError('DATA_INVALID', `validation windows carry no labels for ${task.head}`, {
      context: { head: task.head },
    });
  }
  const classes = task.classes.length;
  const rows = task.step === true ? windows.length : 1;
  return Array.from({ length: windows.count }, (_, w) => {
    let sum = 0;
    let known = 0;
    for (let r = w * rows; r < (w + 1) * rows; r += 1) {
      const label = labels[r]!;
      if (label < 0) continue;
      sum -= Math.log(Math.max(probabilities[r * classes + label]!, 1e-7));
      known += 1;
    }
    return known === 0 ? Number.NaN : sum / known;
  });
}
