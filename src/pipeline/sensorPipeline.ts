import { merge, type Subscription } from 'rxjs';
import type { DaemonMetrics } from '../metrics/daemonMetrics.js';
import type { Logger } from '../log.js';
import type { Component } from '../service/lifecycle.js';
import type { InputEvent, InputOrigin, InputSource } from '../transports/inputSource.js';
import type { GcodeMessage } from '../transports/messages/gcodeMessage.js';
import type { LabelMessage } from '../transports/messages/labelMessage.js';
import { samplesOf } from '../transports/messages/sensorMessage.js';
import type { StreamWindower } from '../windows/streamWindower.js';
import type { InferenceWorker } from './inferenceWorker.js';
import type { SettleTracker } from './settleTracker.js';
import type { WindowQueue } from './windowQueue.js';
import type { WindowerOutput } from '../windows/sensorWindow.js';

export interface SensorPipelineOptions {
  inputs: readonly InputSource[];
  windower: StreamWindower;
  queue: WindowQueue;
  tracker: SettleTracker;
  worker: InferenceWorker;
  metrics: DaemonMetrics;
  /** Rows per window, to count the rows of a dropped window. */
  windowLength: number;
  logger: Logger;
  /** An input failed for good (its events$ errored); the daemon decides what follows. */
  onInputError?: (error: unknown) => void;
  /** Each new G-code line, in arrival order (the learning loop's motion labels and context). */
  onGcode?: (line: GcodeMessage) => void;
  /** Each operator label; the message is settled once this returns. */
  onLabel?: (label: LabelMessage, origin: InputOrigin) => void;
  /** Each control command; the control layer settles it once it has answered. */
  onCommand?: (event: Extract<InputEvent, { stream: 'commands' }>) => void;
}

/**
 * From input events to predictions: sensor samples go through the windower, G-code lines onto
 * its timeline, windows into the bounded queue that the inference worker drains. Every event
 * is handed to the settle tracker, which settles it once the windows it fed are published.
 * Labels go to `onLabel` (the learning loop) and are settled once it has taken them; commands
 * go to `onCommand` (the control layer), which settles them itself.
 */
export class SensorPipeline implements Component {
  readonly name = 'pipeline';
  private subscription: Subscription | undefined;
  private warnedUnhandled = new Set<string>();

  constructor(private readonly options: SensorPipelineOptions) {}

  /** Subscribes to the inputs (before they start, as InputSource asks) and starts inference. */
  start(): Promise<void> {
    const { inputs, worker, logger, metrics, windower, queue, tracker } = this.options;
    metrics.setProbes({
      bufferRows: () => ({
        windows: windower.heldRows,
        inference: queue.windows * this.options.windowLength,
      }),
      unsettled: () => tracker.pending,
    });
    worker.start();
    this.subscription = merge(...inputs.map((input) => input.events$)).subscribe({
      next: (event) => this.handle(event),
      error: (error: unknown) => {
        logger.error({ err: error }, 'input stream failed');
        this.options.onInputError?.(error);
      },
    });
    return Promise.resolve();
  }

  /**
   * Stops reading events, commits the rows held for reordering, and waits until every window
   * already cut is published. Inputs are stopped before this (reverse start order), so no
   * event arrives meanwhile.
   */
  async stop(): Promise<void> {
    this.subscription?.unsubscribe();
    this.subscription = undefined;
    this.enqueue(this.options.windower.flush());
    await this.options.worker.stop();
  }

  private handle(event: InputEvent): void {
    const { metrics, windower, tracker } = this.options;
    metrics.messages.inc({ stream: event.stream, transport: event.origin.transport });
    switch (event.stream) {
      case 'sensors': {
        let lastTs: number | undefined;
        for (const sample of samplesOf(event.payload)) {
          const { outcome, outputs } = windower.push(sample);
          metrics.rows.inc({ outcome });
          if (outcome === 'accepted') lastTs = Math.max(lastTs ?? sample.ts, sample.ts);
          this.enqueue(outputs);
        }
        tracker.trackRows(event.settle, lastTs);
        return;
      }
      case 'gcode': {
        const { ts, line, text } = event.payload;
        if (windower.addGcode({ ts, line, text }) === 'duplicate') {
          tracker.settleNow(event.settle);
          return;
        }
        this.options.onGcode?.(event.payload);
        tracker.trackGcode(event.settle, ts);
        return;
      }
      case 'labels':
        if (this.options.onLabel !== undefined) {
          this.options.onLabel(event.payload, event.origin);
          tracker.settleNow(event.settle);
          return;
        }
        this.warnUnhandled(event.stream);
        tracker.settleNow(event.settle);
        return;
      case 'commands':
        if (this.options.onCommand !== undefined) {
          this.options.onCommand(event);
          return;
        }
        this.warnUnhandled(event.stream);
        tracker.settleNow(event.settle);
        return;
    }
  }

  private warnUnhandled(stream: string): void {
    if (this.warnedUnhandled.has(stream)) return;
    this.warnedUnhandled.add(stream);
    this.options.logger.warn({ stream }, 'stream not handled yet; messages are dropped');
  }

  private enqueue(outputs: readonly WindowerOutput[]): void {
    for (const output of outputs) {
      if (!this.options.queue.push(output)) {
        this.options.metrics.bufferDropped.inc({ stage: 'inference' }, this.options.windowLength);
      }
    }
  }
}
