import type { Observable, Subscription } from 'rxjs';
import type { Logger } from '../log.js';
import type { Reject } from './inputSource.js';
import type { DeadLetterMessage } from './messages/deadLetterMessage.js';
import type { OutputSink } from './outputSink.js';
import type { RejectCounter } from './rejectCounter.js';

/**
 * The payload as text, or undefined when it is not UTF-8. A payload cut short may end inside a
 * character; decoding in streaming mode holds such an incomplete end back instead of failing.
 */
function utf8Text(bytes: Uint8Array, cut: boolean): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: cut });
  } catch {
    return undefined;
  }
}

/**
 * The dead letter of a reject: its payload cut to `maxBytes`, as text when that part is UTF-8
 * (a cut inside a character moves back to the character's start), else as base64.
 */
export function deadLetterOf(reject: Reject, maxBytes: number): DeadLetterMessage {
  const { raw, origin } = reject;
  const cut = raw.subarray(0, Math.min(raw.byteLength, maxBytes));
  const text = utf8Text(cut, cut.byteLength < raw.byteLength);
  const kept = text === undefined ? cut.byteLength : Buffer.byteLength(text, 'utf8');
  return {
    ts: reject.receivedAt,
    reason: reject.reason,
    detail: reject.detail,
    transport: origin.transport,
    topic: origin.topic,
    ...(origin.partition === undefined ? {} : { partition: origin.partition }),
    ...(origin.offset === undefined ? {} : { offset: origin.offset }),
    payload: text ?? Buffer.from(cut).toString('base64'),
    encoding: text === undefined ? 'base64' : 'utf8',
    bytes: raw.byteLength,
    truncated: kept < raw.byteLength,
  };
}

export interface DeadLetterOptions {
  readonly counter: RejectCounter;
  /** Every configured output; the dead letter goes to each. */
  readonly output: OutputSink;
  readonly logger: Logger;
  /** Bytes of the payload kept (messages.deadLetterBytes). */
  readonly maxBytes: number;
  /** Dead letters being published at once; beyond it, new ones are dropped and counted. */
  readonly maxPending?: number;
  /** Called for each dead letter dropped because too many were pending. */
  readonly onDropped?: () => void;
}

/**
 * Counts, logs (rate-limited) and dead-letters every reject, then settles it, so a bad message
 * never holds up the messages behind it. When publishing falls behind a flood of bad messages,
 * dead letters past `maxPending` are dropped (still counted and settled) rather than queued.
 */
export function routeRejects(
  rejects$: Observable<Reject>,
  options: DeadLetterOptions,
): Subscription {
  const maxPending = options.maxPending ?? 64;
  let pending = 0;
  const settle = (reject: Reject) =>
    reject.settle().catch((error: unknown) => {
      options.logger.warn(
        { err: error, topic: reject.origin.topic },
        'rejected message not settled',
      );
    });
  return rejects$.subscribe((reject) => {
    options.counter.record(reject);
    if (pending >= maxPending) {
      options.onDropped?.();
      void settle(reject);
      return;
    }
    pending += 1;
    void options.output
      .publish('deadletter', deadLetterOf(reject, options.maxBytes))
      .catch((error: unknown) => {
        options.logger.warn({ err: error, reason: reject.reason }, 'dead letter not published');
      })
      .then(() => settle(reject))
      .finally(() => {
        pending -= 1;
      });
  });
}
