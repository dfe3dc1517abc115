import type { Logger } from '../log.js';
import type { DaemonMetrics } from '../metrics/daemonMetrics.js';
import type { OutputSink } from '../transports/outputSink.js';
import { BrokerWatch, formatSeconds, type BrokerOutage } from './brokerWatch.js';
import type { Check } from './httpServer.js';
import type { Transports } from './transports.js';
import { withDeadline } from '../util/deadline.js';

/** Longest a status message may hold up a start or stop. */
const STATUS_PUBLISH_TIMEOUT_MS = 2000;

export type DaemonStatusState = 'online' | 'stopping' | 'offline';

export interface StatusReporterOptions {
  transports: Pick<Transports, 'output' | 'connected'>;
  metrics: DaemonMetrics;
  logger: Logger;
  /** Sent as the status `session` (MQTT replaces it with its connection's session). */
  session: number;
  /** What serves, read when each status is sent. */
  serving: () => { modelVersion: string; adapterVersion: string | null };
}

/**
 * The daemon's word on itself: the status messages it publishes (bounded, best effort) and
 * the outages of its brokers, followed by a BrokerWatch: counted and logged as they start,
 * and when they end said on the status and events topics with their length.
 */
export class StatusReporter {
  private readonly watch: BrokerWatch;
  private readonly output: OutputSink;
  private readonly log: Logger;

  constructor(private readonly options: StatusReporterOptions) {
    this.output = options.transports.output;
    this.log = options.logger;
    this.watch = new BrokerWatch({
      connected: () => options.transports.connected(),
      onLost: (transport) => {
        this.log.warn({ transport }, 'broker connection lost; reconnecting with backoff');
        options.metrics.brokerOutages.inc({ transport });
      },
      onRecovered: (outage) => void this.recovered(outage),
    });
  }

  start(): void {
    this.watch.start();
  }

  stop(): void {
    this.watch.stop();
  }

  /** Ready while every broker is reachable. */
  readiness(): Check {
    return this.watch.readiness();
  }

  /**
   * Publishes the status. Best effort and bounded: with the broker gone a publish waits for a
   * reconnect that may never come, and a stop must not hang on it (MQTT's last will reports
   * the loss instead).
   */
  async publish(state: DaemonStatusState, reason?: string): Promise<void> {
    const status = {
      state,
      ...(reason === undefined ? {} : { reason }),
      ...this.options.serving(),
      session: this.options.session,
      ts: Date.now(),
    };
    await withDeadline(
      this.output
        .publish('status', status)
        .catch((error: unknown) => this.log.warn({ err: error, state }, 'status not published')),
      STATUS_PUBLISH_TIMEOUT_MS,
      () => this.log.warn({ state }, 'status not published: the broker did not take it in time'),
    );
  }

  /** An outage ended: its length counted, logged, and said on the status and events topics. */
  private async recovered({ transport, from, to }: BrokerOutage): Promise<void> {
    const reason = `${transport} broker back after ${formatSeconds(to - from)} unreachable`;
    this.log.info({ transport, outageMs: to - from }, reason);
    this.options.metrics.brokerOutageSeconds.inc({ transport }, (to - from) / 1000);
    await this.publish('online', reason);
    const event = { ts: to, kind: 'broker.recovered', detail: { transport, from, to } };
    await this.output
      .publish('events', event)
      .catch((error: unknown) => this.log.warn({ err: error }, 'outage event not published'));
  }
}
