import type { ChannelSchema } from '../data/channelSchema.js';
import type { Normaliser } from '../data/normaliser.js';
import type { Logger } from '../log.js';
import type { DaemonMetrics } from '../metrics/daemonMetrics.js';
import type { SensorModel } from '../model/sensorModel.js';
import type { InputSource } from '../transports/inputSource.js';
import type { OutputSink } from '../transports/outputSink.js';
import { ChannelMap } from '../windows/channelMap.js';
import { StreamWindower } from '../windows/streamWindower.js';
import { InferenceWorker, type InferenceWorkerOptions } from './inferenceWorker.js';
import type { ServingVersions } from './predictionPayload.js';
import { SensorPipeline, type SensorPipelineOptions } from './sensorPipeline.js';
import { SettleTracker } from './settleTracker.js';
import { WindowPredictor } from './windowPredictor.js';
import { WindowQueue } from './windowQueue.js';

export interface PipelineSettings {
  machineId: string;
  /** Machine channel name -> model channel name; unlisted names map to themselves. */
  channelMap: Readonly<Record<string, string>>;
  window: { length: number; stride: number };
  reorderRows: number;
  maxGapMs: number;
  /** Most windows waiting for the model before new ones are dropped. */
  queueWindows: number;
  batchSize: number;
}

export interface PipelineParts {
  model: SensorModel;
  schema: ChannelSchema;
  normaliser: Normaliser;
  inputs: readonly InputSource[];
  output: OutputSink;
  metrics: DaemonMetrics;
  versions: () => ServingVersions;
  logger: Logger;
  now?: () => number;
  onInputError?: (error: unknown) => void;
  /** Hooks of the learning loop (drift, labels, target buffer); see SensorPipeline, InferenceWorker. */
  onScored?: InferenceWorkerOptions['onScored'];
  onGcode?: SensorPipelineOptions['onGcode'];
  onLabel?: SensorPipelineOptions['onLabel'];
  onCommand?: SensorPipelineOptions['onCommand'];
}

/** The assembled pipeline and the parts observers need (the worker's predictions$). */
export interface BuiltPipeline {
  pipeline: SensorPipeline;
  worker: InferenceWorker;
  windower: StreamWindower;
  channelMap: ChannelMap;
}

/** Wires windower, queue, settle tracker and inference worker for one model in service. */
export function buildPipeline(settings: PipelineSettings, parts: PipelineParts): BuiltPipeline {
  const logger = parts.logger.child({ component: 'pipeline' });
  const channelMap = new ChannelMap(parts.schema, settings.channelMap);
  if (channelMap.unreachable.length > 0) {
    logger.warn(
      { channels: channelMap.unreachable },
      'model channels no machine channel maps to; they will be masked',
    );
  }
  const windower = new StreamWindower({
    machineId: settings.machineId,
    channelMap,
    normaliser: parts.normaliser,
    length: settings.window.length,
    stride: settings.window.stride,
    reorderRows: settings.reorderRows,
    maxGapMs: settings.maxGapMs,
    now: parts.now,
  });
  const queue = new WindowQueue(settings.queueWindows);
  const tracker = new SettleTracker((error) =>
    logger.warn({ err: error }, 'input message not settled'),
  );
  const worker = new InferenceWorker({
    queue,
    predictor: new WindowPredictor(parts.model),
    output: parts.output,
    tracker,
    metrics: parts.metrics,
    versions: parts.versions,
    batchSize: settings.batchSize,
    logger: parts.logger.child({ component: 'inference' }),
    now: parts.now,
    onScored: parts.onScored,
  });
  const pipeline = new SensorPipeline({
    inputs: parts.inputs,
    windower,
    queue,
    tracker,
    worker,
    metrics: parts.metrics,
    windowLength: settings.window.length,
    logger,
    onInputError: parts.onInputError,
    onGcode: parts.onGcode,
    onLabel: parts.onLabel,
    onCommand: parts.onCommand,
  });
  return { pipeline, worker, windower, channelMap };
}
