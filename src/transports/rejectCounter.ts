import type { Logger } from '../log.js';
import type { Reject, TransportName } from './inputSource.js';
import type { RejectReason } from './messages/rejectReason.js';

export interface RejectCounterOptions {
  /** Counts one reject; the pipeline wires its prom-client counter here. */
  readonly count: (reason: RejectReason, transport: TransportName) => void;
  readonly logger: Logger;
  /** Shortest time between two log lines for one reason, in ms. */
  readonly intervalMs?: number;
  readonly now?: () => number;
}

interface ReasonLog {
  loggedAt: number;
  /** Rejects of this reason since its last log line. */
  unlogged: number;
}

/**
 * Counts every reject and logs at most one line per reason per interval, so that a sender
 * stuck on a bad payload cannot flood the log. A line carries the reject's detail and topic,
 * never the payload, plus how many rejects of its reason went unlogged since the last line.
 */
export class RejectCounter {
  private readonly reasons = new Map<RejectReason, ReasonLog>();
  private readonly intervalMs: number;
  private readonly now: () => number;

  constructor(private readonly options: RejectCounterOptions) {
    this.intervalMs = options.intervalMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  record(reject: Reject): void {
    this.options.count(reject.reason, reject.origin.transport);
    const now = this.now();
    const log = this.reasons.get(reject.reason);
    if (log !== undefined && now - log.loggedAt < this.intervalMs) {
      log.unlogged += 1;
      return;
    }
    this.options.logger.warn(
      {
        reason: reject.reason,
        detail: reject.detail,
        transport: reject.origin.transport,
        topic: reject.origin.topic,
        bytes: reject.raw.byteLength,
        unloggedSinceLast: log?.unlogged ?? 0,
      },
      'input message rejected',
    );
    this.reasons.set(reject.reason, { loggedAt: now, unlogged: 0 });
  }

  /** Logs the rejects no line has mentioned yet, e.g. at shutdown. */
  flush(): void {
    for (const [reason, log] of this.reasons) {
      if (log.unlogged === 0) continue;
      this.options.logger.warn(
        { reason, unloggedSinceLast: log.unlogged },
        'input messages rejected',
      );
      log.unlogged = 0;
      log.loggedAt = this.now();
    }
  }
}
