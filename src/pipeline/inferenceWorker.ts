import { Subject } from 'rxjs';
import type { DaemonMetrics } from '../metrics/daemonMetrics.js';
import type { Logger } from '../log.js';
import type { PredictionMessage } from '../transports/messages/predictionMessage.js';
import type { OutputSink } from '../transports/outputSink.js';
import type { SensorWindow } from '../windows/sensorWindow.js';
import { predictionPayload, type ServingVersions } from './predictionPayload.js';
import type { SettleTracker } from './settleTracker.js';
import { windowsIn, type WindowQueue } from './windowQueue.js';
import type { HeadResult, WindowPredictor } from './windowPredictor.js';

/** A published prediction, for in-process observers (the console reporter, tests). */
export interface Prediction {
  window: SensorWindow;
  results: Readonly<Record<string, HeadResult>>;
  payload: PredictionMessage;
  latencyMs: number;
  /** The window's pooled embedding [units], from the same model call. */
  embedding: Float32Array;
}

export interface InferenceWorkerOptions {
  queue: WindowQueue;
  predictor: WindowPredictor;
  output: OutputSink;
  tracker: SettleTracker;
  metrics: DaemonMetrics;
  versions: () => ServingVersions;
  /** Most windows per model call. */
  batchSize: number;
  logger: Logger;
  now?: () => number;
  /**
   * Called once per batch with its published predictions, before they are emitted and the
   * batch's input messages settle (drift and the target buffer; see learning/). It must not
   * throw and should be quick: the next batch waits for it.
   */
  onScored?: (predictions: readonly Prediction[]) => void;
}

/**
 * The one consumer of the window queue: takes what is waiting (up to a batch), runs the model
 * once, publishes one prediction per window and then lets the settle tracker release the input
 * messages those windows finished. One model call at a time, so inference is serialised.
 */
export class InferenceWorker {
  readonly predictions$ = new Subject<Prediction>();
  private loop: Promise<void> | undefined;
  private stopping = false;
  private readonly now: () => number;

  constructor(private readonly options: InferenceWorkerOptions) {
    this.now = options.now ?? Date.now;
  }

  start(): void {
    this.stopping = false;
    this.loop ??= this.run();
  }

  /** Finishes every window already queued, then ends. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.options.queue.interrupt();
    await this.loop;
    this.loop = undefined;
    this.predictions$.complete();
  }

  private async run(): Promise<void> {
    const { queue, batchSize } = this.options;
    for (;;) {
      if (queue.size === 0) {
        if (this.stopping) return;
        await queue.waitForItems();
        continue;
      }
      await this.process(queue.take(batchSize));
    }
  }

  private async process(items: ReturnType<WindowQueue['take']>): Promise<void> {
    const { predictor, output, tracker, metrics, logger } = this.options;
    const windows = windowsIn(items);
    let results: Array<Record<string, HeadResult>> | undefined;
    let embeddings: Float32Array | undefined;
    try {
      ({ results, embeddings } = await predictor.score(windows));
    } catch (error) {
      logger.error({ err: error, windows: windows.length }, 'inference failed, windows dropped');
      const rows = windows.reduce((sum, window) => sum + window.gcode.length, 0);
      metrics.bufferDropped.inc({ stage: 'inference' }, rows);
    }
    const versions = this.options.versions();
    const published = await Promise.all(
      windows.map(async (window, n): Promise<Prediction | undefined> => {
        const result = results?.[n];
        if (result === undefined) return;
        const payload = predictionPayload(window, result, versions);
        try {
          await output.publish('predictions', payload);
        } catch (error) {
          logger.warn({ err: error, window: window.id }, 'prediction not published');
          return;
        }
        const latencyMs = this.now() - window.cutAt;
        metrics.windows.inc();
        metrics.windowLatency.observe(latencyMs / 1000);
        for (const [head, r] of Object.entries(result)) {
          metrics.observePrediction(head, r.classIndex, r.confidence, r.entropy);
        }
        logger.debug({ window: window.id, latencyMs }, 'prediction published');
        const units = embeddings!.length / windows.length;
        const embedding = embeddings!.slice(n * units, (n + 1) * units);
        return { window, results: result, payload, latencyMs, embedding };
      }),
    );
    const scored = published.filter((p): p is Prediction => p !== undefined);
    if (scored.length > 0) this.options.onScored?.(scored);
    for (const prediction of scored) this.predictions$.next(prediction);
    // Settling waits for the whole batch: a message is released only after every window
    // holding its rows is out.
    for (const item of items) {
      tracker.advance(item.kind === 'window' ? item.window.doneThrough : item.doneThrough);
    }
  }
}
