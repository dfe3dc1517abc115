import type { WindowSet } from '../data/windows.js';
import { seededRandom, shuffled } from '../util/random.js';
import { labelledWindows } from './modelBundle.js';
import { predictWindows } from './predictWindows.js';
import type { SensorModel } from './sensorModel.js';

/**
 * Source embeddings kept with the model as the drift reference, with the run each came
 * from (block bootstraps resample whole runs). Thresholds are calibrated by the drift
 * module; until then `thresholds` is null.
 */
export interface EmbeddingReference {
  units: number;
  runs: string[];
  /** Index into `runs` per embedding. */
  runOf: number[];
  embeddings: number[][];
  thresholds: null | Record<string, unknown>;
}

export async function embeddingReference(
  model: SensorModel,
  set: WindowSet,
  seed: number,
  limit = 512,
): Promise<EmbeddingReference> {
  const chosen = shuffled(
    Array.from({ length: set.count }, (_, i) => i),
    seededRandom(seed + 11),
  )
    .slice(0, limit)
    .sort((a, b) => a - b);
  const predictions = await predictWindows(model, labelledWindows(set, chosen));
  const units = model.config.recurrentUnits;
  const embeddings = chosen.map((_, i) =>
    Array.from(predictions.embeddings.subarray(i * units, (i + 1) * units), (v) =>
      Number(v.toFixed(6)),
    ),
  );
  return {
    units,
    runs: set.runs.map((r) => r.id),
    runOf: chosen.map((i) => set.windowRun[i]!),
    embeddings,
    thresholds: null,
  };
}
