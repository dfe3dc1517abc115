import { join } from 'node:path';
import type { Modality } from '../data/channelNames.js';
import type { ScenarioName } from '../data/scenarios.js';
import type { Logger } from '../log.js';
import { loadModelBundle, saveModelBundle, type ModelBundle } from '../model/modelBundle.js';
import { DEFAULT_MODALITIES, pretrainModel } from '../model/pretrainModel.js';
import type { EpochRecord } from '../model/training/pretrainLoop.js';
import { exists } from '../util/atomicFs.js';

/** Scenarios whose source runs are the same share one source model. */
export const SOURCE_OF: Record<ScenarioName, string> = {
  S1: 's1-standard',
  S4: 's1-standard',
  S1r: 's1r-150025',
  S2: 's2-face-tool',
  S2a: 's2-face-tool',
  S3: 's3-boards',
};

const PRETRAIN_SCENARIO: Record<string, ScenarioName> = {
  's1-standard': 'S1',
  's1r-150025': 'S1r',
  's2-face-tool': 'S2',
  's3-boards': 'S3',
};

export interface SourceModelOptions {
  dataDir: string;
  /** Committed artifacts (models/); looked in first. */
  modelsDir: string;
  /** Where source models pretrained by the evaluation are kept. */
  cacheDir: string;
  epochs: number;
  seed: number;
  /** Modalities a model pretrained here reads; DEFAULT_MODALITIES when undefined. */
  modalities?: Modality[];
  /** Told the folder before a source model is pretrained here (it takes minutes). */
  onPretrain?: (out: string) => void;
  /** Told each finished epoch of a source model pretrained here. */
  onPretrainEpoch?: (record: EpochRecord) => void;
  logger: Logger;
}

/**
 * The folder name of a source model: the key, a modality suffix when the modalities are
 * not the default ones, and the epochs of models pretrained here.
 */
export function sourceModelName(key: string, modalities?: readonly Modality[]): string {
  if (modalities === undefined || sameModalities(modalities, DEFAULT_MODALITIES)) return key;
  return `${key}-${[...modalities].sort().join('+')}`;
}

function sameModalities(a: readonly Modality[], b: readonly Modality[]): boolean {
  return a.length === b.length && a.every((m) => b.includes(m));
}

/**
 * The source model of a scenario: the committed artifact where there is one, else one
 * pretrained on the scenario's source runs (only) and cached for later evaluations.
 */
export async function sourceModelFor(
  scenario: ScenarioName,
  options: SourceModelOptions,
): Promise<ModelBundle> {
  const key = SOURCE_OF[scenario];
  const modalities = options.modalities ?? DEFAULT_MODALITIES;
  const name = sourceModelName(key, modalities);
  // Committed models read the default modalities; other modality sets are pretrained here.
  const committed = name === key ? [join(options.modelsDir, key)] : [];
  for (const dir of [...committed, join(options.cacheDir, `${name}-e${options.epochs}`)]) {
    if (await exists(join(dir, 'manifest.json'))) return loadModelBundle(dir);
  }
  const out = join(options.cacheDir, `${name}-e${options.epochs}`);
  options.onPretrain?.(out);
  options.logger.info({ scenario, key, out }, 'pretraining a source model for the evaluation');
  const outcome = await pretrainModel({
    dataDir: options.dataDir,
    scenario: PRETRAIN_SCENARIO[key]!,
    seed: options.seed,
    modalities,
    width: 64,
    blocks: 2,
    recurrentUnits: 64,
    windowLength: 64,
    trainStride: 8,
    evalStride: 16,
    settings: {
      epochs: options.epochs,
      batchSize: 32,
      learningRate: 2e-3,
      patience: Math.max(2, Math.floor(options.epochs / 3)),
      tokenMaskShare: 0.15,
      reconstructionWeight: 0.5,
      headWeights: { operation: 1, tool: 1, motion: 1, feedBand: 0.5 },
      augmentation: { noise: 0.05, unitDropChance: 0.3, unitDropShare: 0.3 },
    },
    logger: options.logger,
    onEpoch: options.onPretrainEpoch,
  });
  await saveModelBundle(
    out,
    {
      model: outcome.model,
      schema: outcome.schema,
      normaliser: outcome.normaliser,
      window: { length: 64, stride: 16 },
    },
    {
      version: `${name}-seed${options.seed}-e${options.epochs}`,
      command: `adaptd evaluate (source model for ${scenario})`,
      trainingData: outcome.trainingData,
    },
  );
  outcome.model.dispose();
  return loadModelBundle(out);
}
