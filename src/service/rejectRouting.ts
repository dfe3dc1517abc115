import { merge, type Observable, type Subscription } from 'rxjs';
import type { Logger } from '../log.js';
import type { DaemonMetrics } from '../metrics/daemonMetrics.js';
import { routeRejects } from '../transports/deadLetters.js';
import type { Reject } from '../transports/inputSource.js';
import { RejectCounter } from '../transports/rejectCounter.js';
import type { Component } from './lifecycle.js';
import type { Transports } from './transports.js';

/** Dead letters waiting to be published at once; as many as an input may leave unsettled. */
const MAX_PENDING_DEAD_LETTERS = 10_000;

export interface RejectRoutingOptions {
  /** Read at start: the transports exist by then. */
  transports: () => Transports;
  /** Rejects found past the transport (e.g. labels for heads the model lacks); read at start. */
  extra?: () => ReadonlyArray<Observable<Reject>>;
  metrics: () => DaemonMetrics;
  deadLetterBytes: number;
  logger: Logger;
}

/**
 * Counts every refused input message by reason, logs it rate-limited and dead-letters it on
 * every output. Started before the inputs, since their rejects$ are hot; stopped after them,
 * logging the rejects no line has mentioned yet.
 */
export function rejectRouting(options: RejectRoutingOptions): Component {
  let subscription: Subscription | undefined;
  let counter: RejectCounter | undefined;
  return {
    name: 'rejects',
    start() {
      const { inputs, output } = options.transports();
      const metrics = options.metrics();
      const logger = options.logger.child({ component: 'rejects' });
      counter = new RejectCounter({ count: (reason) => metrics.rejected.inc({ reason }), logger });
      const extra = options.extra?.() ?? [];
      subscription = routeRejects(merge(...inputs.map((input) => input.rejects$), ...extra), {
        counter,
        output,
        logger,
        maxBytes: options.deadLetterBytes,
        // A reject is settled only once its dead letter is out, so the inputs' own bounds on
        // unsettled messages (MQTT's receive maximum, Kafka's maxUnsettled) already hold this
        // back; the cap is the largest of them, and a drop past it is counted.
        maxPending: MAX_PENDING_DEAD_LETTERS,
        onDropped: () => metrics.deadLettersDropped.inc(),
      });
      return Promise.resolve();
    },
    stop() {
      subscription?.unsubscribe();
      counter?.flush();
      return Promise.resolve();
    },
  };
}
