import { createReadStream } from 'node:fs';
import { createHash } from 'node:crypto';
import { inspectRun } from '../data/boardActivity.js';
import { buildSchema, type ChannelSchema, type Modality } from '../data/channelSchema.js';
import { CONTEXT_SIZE } from '../data/controllerContext.js';
import { FEED_BANDS, MOTIONS, OPERATIONS, TOOLS, VARIANTS } from '../data/labels.js';
import { Normaliser } from '../data/normaliser.js';
import { listRuns, type RunInfo } from '../data/runCatalog.js';
import type { RunFrame } from '../data/runFrame.js';
import { readRun } from '../data/runReader.js';
import { splitScenario, type ScenarioSplit } from '../data/scenarioSplit.js';
import type { ScenarioName } from '../data/scenarios.js';
import { buildWindowSet, type WindowSet } from '../data/windows.js';
import { DEFAULT_VOCABULARY } from '../gcode/vocabulary.js';
import { silentLogger, type Logger } from '../log.js';
import { gcodeHeads } from './gcodeTargets.js';
import { seededRandom, shuffled } from '../util/random.js';
import type { ModelConfig } from './modelConfig.js';
import { labelledWindows } from './modelBundle.js';
import { SensorModel } from './sensorModel.js';
import { folderCheckpoint } from './training/checkpoint.js';
import {
  pretrainLoop,
  type EpochRecord,
  type PretrainProgress,
  type PretrainSettings,
} from './training/pretrainLoop.js';

/** Modalities the default model reads; environment channels identify the session (SOURCE.md). */
export const DEFAULT_MODALITIES: Modality[] = ['current', 'accel', 'gyro', 'magnet', 'vibration'];

export interface PretrainRequest {
  dataDir: string;
  scenario: ScenarioName;
  seed: number;
  modalities: Modality[];
  width: number;
  blocks: number;
  recurrentUnits: number;
  windowLength: number;
  /** Stride of training windows; evaluation windows use `evalStride`. */
  trainStride: number;
  evalStride: number;
  settings: Omit<PretrainSettings, 'seed' | 'augmentation'> & {
    augmentation: Omit<PretrainSettings['augmentation'], 'channelUnits'>;
  };
  /** Folder for a resumable checkpoint; none when undefined. */
  checkpointDir?: string;
  logger?: Logger;
  onStep?: (progress: PretrainProgress) => void;
  onEpoch?: (record: EpochRecord) => void;
}

/** Everything pretraining produced, ready to be reported and saved. */
export interface PretrainOutcome {
  model: SensorModel;
  schema: ChannelSchema;
  normaliser: Normaliser;
  split: ScenarioSplit;
  /** Source runs held out of fitting to choose the epoch. */
  earlyStopRuns: RunInfo[];
  fitRuns: RunInfo[];
  sets: { validation: WindowSet; target: WindowSet; targetTest: WindowSet; train: WindowSet };
  history: EpochRecord[];
  bestEpoch: number;
  trainSeconds: number;
  trainingData: Record<string, string>;
}

export const HEADS: ModelConfig['heads'] = [
  { name: 'operation', classes: [...OPERATIONS], reads: 'window' },
  { name: 'variant', classes: [...VARIANTS], reads: 'window' },
  { name: 'tool', classes: [...TOOLS], reads: 'window' },
  { name: 'motion', classes: [...MOTIONS], reads: 'step' },
  { name: 'feedBand', classes: [...FEED_BANDS], reads: 'end' },
  ...gcodeHeads(DEFAULT_VOCABULARY),
];

/** Reads the scenario's runs, fits schema and normaliser on source training runs, trains. */
export async function pretrainModel(request: PretrainRequest): Promise<PretrainOutcome> {
  const logger = request.logger ?? silentLogger;
  const runs = await listRuns(request.dataDir, logger);
  const frames = new Map<string, RunFrame>();
  for (const run of runs) frames.set(run.id, await readRun(run));
  const liveBoards = new Map(
    [...frames.values()].map((f) => [f.info.id, new Set(inspectRun(f).liveBoards)] as const),
  );
  const split = splitScenario(request.scenario, runs, request.seed, { liveBoards });
  const { fitRuns, earlyStopRuns } = holdOutEarlyStop(split.sourceTrain, request.seed);
  const framesOf = (list: readonly RunInfo[]): RunFrame[] => list.map((r) => frames.get(r.id)!);
  const fitFrames = framesOf(fitRuns);
  const schema = buildSchema(fitFrames, { modalities: request.modalities });
  const normaliser = Normaliser.fit(fitFrames, schema);
  const length = request.windowLength;
  const evalStride = { length, stride: request.evalStride };
  const train = buildWindowSet(fitFrames, schema, normaliser, {
    length,
    stride: request.trainStride,
  });
  const early = buildWindowSet(framesOf(earlyStopRuns), schema, normaliser, evalStride);
  const validation = buildWindowSet(framesOf(split.sourceVal), schema, normaliser, evalStride);
  const targetRuns = [...split.targetAdapt, ...split.targetCheck, ...split.targetTest];
  const target = buildWindowSet(framesOf(targetRuns), schema, normaliser, evalStride);
  const targetTest = buildWindowSet(framesOf(split.targetTest), schema, normaliser, evalStride);
  logger.info(
    { channels: schema.channels.length, train: train.count, earlyStop: early.count },
    'pretraining windows built',
  );
  const model = new SensorModel(modelConfig(schema, request), request.seed);
  const settings: PretrainSettings = {
    ...request.settings,
    seed: request.seed,
    augmentation: { ...request.settings.augmentation, channelUnits: channelUnits(schema) },
  };
  const started = performance.now();
  const result = await pretrainLoop(
    model,
    labelledWindows(train),
    labelledWindows(early),
    settings,
    {
      onStep: request.onStep,
      onEpoch: request.onEpoch,
      checkpoint:
        request.checkpointDir === undefined
          ? undefined
          : folderCheckpoint(request.checkpointDir, fingerprint(request, fitRuns)),
    },
  );
  const trainingData: Record<string, string> = {};
  for (const run of [...fitRuns, ...earlyStopRuns]) trainingData[run.id] = await fileHash(run.file);
  return {
    model,
    schema,
    normaliser,
    split,
    earlyStopRuns,
    fitRuns,
    sets: { validation, target, targetTest, train },
    history: result.history,
    bestEpoch: result.bestEpoch,
    trainSeconds: (performance.now() - started) / 1000,
    trainingData,
  };
}

function modelConfig(schema: ChannelSchema, request: PretrainRequest): ModelConfig {
  const modalities = schema.modalities.map((name) => ({
    name,
    channels: schema.channels.flatMap((c, i) => (c.modality === name ? [i] : [])),
  }));
  return {
    windowLength: request.windowLength,
    patch: 4,
    channels: schema.channels.length,
    modalities,
    contextSize: CONTEXT_SIZE,
    width: request.width,
    attentionHeads: 4,
    blocks: request.blocks,
    feedForward: 2 * request.width,
    adapterWidth: 16,
    recurrentUnits: request.recurrentUnits,
    heads: HEADS,
  };
}

/** One unit per sensor board, one for the motor currents: board dropout drops units. */
function channelUnits(schema: ChannelSchema): Int32Array {
  const units = new Map<string, number>();
  return Int32Array.from(schema.channels, (c) => {
    const key = c.board ?? c.modality;
    if (!units.has(key)) units.set(key, units.size);
    return units.get(key)!;
  });
}

/** One source training run per operation is kept out of fitting to choose the epoch. */
function holdOutEarlyStop(
  runs: readonly RunInfo[],
  seed: number,
): { fitRuns: RunInfo[]; earlyStopRuns: RunInfo[] } {
  const random = seededRandom(seed + 7);
  const earlyStopRuns: RunInfo[] = [];
  for (const operation of OPERATIONS) {
    const candidates = shuffled(
      runs.filter((r) => r.operation === operation),
      random,
    );
    if (candidates.length > 2) earlyStopRuns.push(candidates[0]!);
  }
  const held = new Set(earlyStopRuns.map((r) => r.id));
  return { fitRuns: runs.filter((r) => !held.has(r.id)), earlyStopRuns };
}

function fingerprint(request: PretrainRequest, fitRuns: readonly RunInfo[]): string {
  const settings = {
    scenario: request.scenario,
    seed: request.seed,
    modalities: request.modalities,
    sizes: [request.width, request.blocks, request.recurrentUnits, request.windowLength],
    strides: [request.trainStride, request.evalStride],
    training: request.settings,
  };
  return createHash('sha256')
    .update(JSON.stringify({ settings, runs: fitRuns.map((r) => r.id) }))
    .digest('hex');
}

async function fileHash(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
