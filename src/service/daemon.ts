import * as tf from '@tensorflow/tfjs';
import { Registry } from 'prom-client';
import { Subject } from 'rxjs';
import type { AdaptdConfig } from '../config/loadConfig.js';
import { AdaptdError } from '../errors.js';
import type { Logger } from '../log.js';
import { DaemonMetrics } from '../metrics/daemonMetrics.js';
import {
  selectBackend,
  type BackendChoice,
  type BackendPreference,
} from '../model/backend/selectBackend.js';
import { loadModelBundle, type ModelBundle } from '../model/modelBundle.js';
import { parseDriftDocument } from '../drift/driftDocument.js';
import type { AdaptationController } from '../adaptation/adaptationController.js';
import { LearningLoop } from '../learning/learningLoop.js';
import { buildPipeline, type BuiltPipeline } from '../pipeline/buildPipeline.js';
import type { Prediction } from '../pipeline/inferenceWorker.js';
import { EventLoopMonitor } from './eventLoopMonitor.js';
import { HttpServer } from './httpServer.js';
import { StatusReporter, type DaemonStatusState } from './statusReporter.js';
import { AdaptationPart } from './adaptationPart.js';
import { Lifecycle } from './lifecycle.js';
import { ControlPlane } from './controlPlane.js';
import { rejectRouting } from './rejectRouting.js';
import type { Transports, TransportFactory } from './transports.js';

export interface DaemonOptions {
  config: AdaptdConfig;
  /** The root logger, bound to the machine id; each part gets a child. */
  logger: Logger;
  /** adaptd's own version, for the build info metric. */
  version: string;
  transports: TransportFactory;
  /** Replaced in tests; default selectBackend and loadModelBundle. */
  selectBackend?: typeof selectBackend;
  loadModel?: (dir: string) => Promise<ModelBundle>;
  /** Export prom-client's process metrics (default true). */
  defaultMetrics?: boolean;
  /** A part failed for good while running (e.g. an input that will not reconnect). */
  onFatal?: (error: unknown) => void;
}

/**
 * The running daemon: the parts of issue 5 started in order (backend, model, metrics and HTTP,
 * outputs, rejects, pipeline, inputs) and stopped in reverse. On stop, intake ends first, the
 * windows already cut are scored and published and their messages settled, then the outputs
 * publish the offline status and close.
 */
export class Daemon {
  /** Every published prediction, for in-process observers (the console reporter, tests). */
  readonly predictions$ = new Subject<Prediction>();
  readonly registry = new Registry();
  private readonly lifecycle: Lifecycle;
  private readonly log: Logger;
  private readonly loopMonitor = new EventLoopMonitor();
  private backend: BackendChoice | undefined;
  private bundle: ModelBundle | undefined;
  private metrics: DaemonMetrics | undefined;
  private http: HttpServer | undefined;
  private transports: Transports | undefined;
  private status: StatusReporter | undefined;
  private built: BuiltPipeline | undefined;
  private learningLoop: LearningLoop | undefined;
  /** State generations, Kafka offsets and commands (src/state, src/control). */
  readonly control: ControlPlane;
  private readonly adaptationPart: AdaptationPart;
  private inputsUp = false;
  private stopping: Promise<void> | undefined;
  private readonly session = Date.now();

  constructor(private readonly options: DaemonOptions) {
    this.log = options.logger;
    this.control = new ControlPlane(options.config, options.logger);
    this.adaptationPart = new AdaptationPart({
      config: options.config,
      model: () => this.requireBundle().model,
      learning: () => this.learning,
      output: () => this.requireTransports().output,
      metrics: () => this.requireMetrics(),
      predictions$: this.predictions$,
      logger: options.logger,
      snapshotState: () => this.control.snapshot(),
      onDamage: (report) => this.control.reportDamage(report),
    });
    this.lifecycle = new Lifecycle({
      logger: options.logger,
      stopTimeoutMs: options.config.service.stopTimeoutMs,
    });
    this.lifecycle
      .add({ name: 'backend', start: () => this.startBackend(), stop: () => Promise.resolve() })
      .add({ name: 'model', start: () => this.startModel(), stop: () => this.stopModel() })
      .add({ name: 'http', start: () => this.startHttp(), stop: () => this.stopHttp() })
      .add(this.control.stateComponent(() => this.requireMetrics()))
      .add({ name: 'outputs', start: () => this.startOutputs(), stop: () => this.stopOutputs() })
      .add({ name: 'learning', start: () => this.startLearning(), stop: () => this.stopLearning() })
      .add(
        rejectRouting({
          transports: () => this.requireTransports(),
          extra: () => [this.learning.rejects$],
          metrics: () => this.requireMetrics(),
          deadLetterBytes: options.config.messages.deadLetterBytes,
          logger: options.logger,
        }),
      )
      .add(this.adaptationPart)
      .add(
        this.control.commandsComponent(() => ({
          output: this.requireTransports().output,
          metrics: this.requireMetrics(),
          modelVersion: this.modelVersion(),
          learning: this.learning,
          target: this.adaptation,
          labels: this.learning,
        })),
      )
      .add({ name: 'pipeline', start: () => this.startPipeline(), stop: () => this.stopPipeline() })
      .add({ name: 'inputs', start: () => this.startInputs(), stop: () => this.stopInputs() });
  }

  /** Where /metrics listens, once started. */
  httpAddress(): { host: string; port: number } {
    if (this.http === undefined) throw new AdaptdError('INTERNAL', 'daemon not started');
    return this.http.address();
  }

  /**
   * Drift, labels, prototypes and the target buffer (see LearningLoop): the adaptation engine
   * follows `learning.drift$`, takes `learning.snapshot()` and calls `learning.resetDrift()`.
   */
  get learning(): LearningLoop {
    if (this.learningLoop === undefined) throw new AdaptdError('INTERNAL', 'daemon not started');
    return this.learningLoop;
  }

  /** The adaptation engine: what commands drive (ControlTarget), runs and probation. */
  get adaptation(): AdaptationController {
    const controller = this.adaptationPart.controller;
    if (controller === undefined) throw new AdaptdError('INTERNAL', 'daemon not started');
    return controller;
  }

  /** Ids of the recorded runs whose data made the model in service (from its manifest). */
  trainingRuns(): Set<string> {
    return new Set(Object.keys(this.requireBundle().manifest?.trainingData ?? {}));
  }

  async start(): Promise<void> {
    await this.lifecycle.start();
    await this.publishStatus('online');
    this.log.info({ model: this.modelVersion(), backend: this.backend?.name }, 'daemon ready');
  }

  /** Stops gracefully; a second call waits for the first. */
  stop(reason = 'stopped'): Promise<void> {
    this.stopping ??= (async () => {
      this.log.info({ reason }, 'daemon stopping');
      await this.publishStatus('stopping', reason);
      await this.lifecycle.stop();
      this.log.info({ reason }, 'daemon stopped');
    })();
    return this.stopping;
  }

  private async startBackend(): Promise<void> {
    const select = this.options.selectBackend ?? selectBackend;
    // The schema allows only the preferences selectBackend knows.
    const prefer = this.options.config.model.backend as BackendPreference;
    this.backend = await select({ prefer, logger: this.log });
  }

  private async startModel(): Promise<void> {
    const { config } = this.options;
    const load = this.options.loadModel ?? loadModelBundle;
    const bundle = await load(config.model.dir);
    if (bundle.window.length !== config.windows.length) {
      bundle.model.dispose();
      throw new AdaptdError(
        'CONFIG_INVALID',
        `windows.length is ${config.windows.length} but the model in ${config.model.dir} takes ` +
          `windows of ${bundle.window.length} rows; set windows.length to ${bundle.window.length}`,
        { context: { configured: config.windows.length, model: bundle.window.length } },
      );
    }
    this.bundle = bundle;
    this.log.info(
      {
        dir: config.model.dir,
        version: this.modelVersion(),
        channels: bundle.schema.channels.length,
      },
      'model loaded',
    );
  }

  private stopModel(): Promise<void> {
    this.bundle?.model.dispose();
    this.bundle = undefined;
    return Promise.resolve();
  }

  private async startHttp(): Promise<void> {
    const { config, version } = this.options;
    const bundle = this.requireBundle();
    this.metrics = new DaemonMetrics(this.registry, {
      version,
      modelVersion: this.modelVersion(),
      backend: this.backend?.name ?? 'unknown',
      heads: bundle.model.config.heads,
      defaultMetrics: this.options.defaultMetrics,
    });
    this.metrics.setProbes({ memory: () => tf.memory() });
    this.loopMonitor.start();
    this.http = new HttpServer({
      host: config.http.host,
      port: config.http.port,
      registry: this.registry,
      logger: this.log,
      health: () => {
        const loop = this.loopMonitor.status();
        return loop.ok ? { ok: true } : { ok: false, detail: `event loop ${loop.delayMs} ms late` };
      },
      readiness: () => ({
        model: this.bundle === undefined ? { ok: false, detail: 'not loaded' } : { ok: true },
        inputs: this.inputsUp ? { ok: true } : { ok: false, detail: 'not subscribed' },
        brokers: this.status?.readiness() ?? { ok: false, detail: 'not connected yet' },
      }),
    });
    await this.http.start();
  }

  private async stopHttp(): Promise<void> {
    this.loopMonitor.stop();
    await this.http?.stop();
  }

  private async startOutputs(): Promise<void> {
    const transports = await this.options.transports(this.options.config, this.log, {
      offsets: this.control.offsets,
      onRedelivered: (transport) => this.requireMetrics().redelivered.inc({ transport }),
    });
    this.transports = transports;
    this.requireMetrics().setProbes({ connected: () => transports.connected() });
    await transports.output.start();
    this.status = new StatusReporter({
      transports,
      metrics: this.requireMetrics(),
      logger: this.log,
      session: this.session,
      serving: () => ({
        modelVersion: this.modelVersion(),
        adapterVersion: this.adaptationPart.controller?.status().adapterVersion ?? null,
      }),
    });
    this.status.start();
  }

  private async stopOutputs(): Promise<void> {
    this.status?.stop();
    // MQTT sends its own offline status with its will cleared; Kafka has none, so say it here.
    await this.publishStatus('offline', 'stopped');
    await this.transports?.output.stop();
  }

  private startLearning(): Promise<void> {
    const { config } = this.options;
    const bundle = this.requireBundle();
    const document = bundle.documents['drift.json'];
    const modelConfig = bundle.model.config;
    this.learningLoop = new LearningLoop(
      {
        heads: modelConfig.heads,
        shape: {
          length: modelConfig.windowLength,
          channels: modelConfig.channels,
          contextSize: modelConfig.contextSize,
          units: modelConfig.recurrentUnits,
        },
        drift: document === undefined ? undefined : parseDriftDocument(document),
        ert: config.drift.expectedRunTime,
        sustainWindows: config.drift.sustainWindows,
        domain: {
          intervalWindows: config.drift.domainIntervalWindows,
          windows: config.drift.domainWindows,
          permutations: config.drift.domainPermutations,
        },
        bufferWindows: config.buffers.targetWindows,
        holdout: { blockMs: config.labels.holdoutBlockMs, every: config.labels.holdoutEvery },
        maxLabelRanges: config.labels.maxRanges,
        fromGcode: config.labels.fromGcode,
      },
      { output: this.requireTransports().output, metrics: this.requireMetrics(), logger: this.log },
    );
    return Promise.resolve();
  }

  private async stopLearning(): Promise<void> {
    await this.learningLoop?.stop();
  }

  private startPipeline(): Promise<void> {
    const { config } = this.options;
    const bundle = this.requireBundle();
    const { inputs, output } = this.requireTransports();
    const learning = this.learning;
    this.built = buildPipeline(
      {
        machineId: config.machine.id,
        channelMap: config.windows.channelMap,
        window: { length: bundle.window.length, stride: config.windows.stride },
        reorderRows: config.windows.reorderRows,
        maxGapMs: config.windows.maxGapMs,
        queueWindows: Math.max(1, Math.floor(config.buffers.rows / bundle.window.length)),
        batchSize: config.inference.batchSize,
      },
      {
        model: bundle.model,
        schema: bundle.schema,
        normaliser: bundle.normaliser,
        inputs,
        output,
        metrics: this.requireMetrics(),
        versions: () => ({
          modelVersion: this.modelVersion(),
          adapterVersion: this.adaptationPart.controller?.status().adapterVersion ?? null,
        }),
        logger: this.log,
        onInputError: (error) => this.options.onFatal?.(error),
        onScored: (predictions) => learning.onScored(predictions),
        onGcode: (line) => learning.onGcode(line),
        onLabel: (label, origin) => learning.onLabel(label, origin),
        onCommand: (event) => this.control.onCommand(event),
      },
    );
    this.built.worker.predictions$.subscribe(this.predictions$);
    return this.built.pipeline.start();
  }

  private async stopPipeline(): Promise<void> {
    await this.built?.pipeline.stop();
  }

  private async startInputs(): Promise<void> {
    const { inputs } = this.requireTransports();
    const started = [];
    try {
      for (const input of inputs) {
        await input.start();
        started.push(input);
      }
    } catch (error) {
      for (const input of started.reverse()) await input.stop().catch(() => undefined);
      throw error;
    }
    this.inputsUp = true;
  }

  /**
   * Intake ends first; then the pipeline scores and publishes what it holds and settles the
   * messages behind it, while the inputs can still commit and acknowledge; then they close.
   */
  private async stopInputs(): Promise<void> {
    this.inputsUp = false;
    const { inputs } = this.requireTransports();
    await Promise.all(inputs.map((input) => input.stopIntake()));
    await this.stopPipeline();
    for (const input of [...inputs].reverse()) await input.stop();
  }

  private async publishStatus(state: DaemonStatusState, reason?: string): Promise<void> {
    if (this.bundle === undefined) return;
    await this.status?.publish(state, reason);
  }

  private modelVersion(): string {
    return this.bundle?.manifest?.version ?? 'unversioned';
  }

  private requireBundle(): ModelBundle {
    if (this.bundle === undefined) throw new AdaptdError('INTERNAL', 'model used before loaded');
    return this.bundle;
  }

  private requireMetrics(): DaemonMetrics {
    if (this.metrics === undefined) throw new AdaptdError('INTERNAL', 'metrics used before made');
    return this.metrics;
  }

  private requireTransports(): Transports {
    if (this.transports === undefined) {
      throw new AdaptdError('INTERNAL', 'transports used before made');
    }
    return this.transports;
  }
}
