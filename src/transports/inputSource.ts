import type { Observable } from 'rxjs';
import type { InputPayloads } from './messages/payloadSchemas.js';
import type { RejectReason } from './messages/rejectReason.js';
import type { InputStream } from './messages/streams.js';

export type TransportName = 'mqtt' | 'kafka';

/** Where a message came from: the topic, and for Kafka its place in the log. */
export interface InputOrigin {
  readonly transport: TransportName;
  readonly topic: string;
  readonly partition?: number;
  /** Kafka offset as a decimal string (offsets can pass 2^53). */
  readonly offset?: string;
  /** MQTT: the broker delivered a retained message (kept from before this subscription). */
  readonly retained?: boolean;
}

/**
 * Marks a message as done with. For Kafka, its offset may then be committed once every earlier
 * record of its partition is settled too; for MQTT QoS 1, its PUBACK is sent once every earlier
 * delivery is settled (MQTT wants acknowledgements in order). Until then the broker keeps the
 * message and delivers it again after a restart or reconnect, so settle only once the message's
 * effect is processed and persisted. Calling it twice, or after the connection that delivered the
 * message is gone, does nothing. The promise resolves once the commit or acknowledgement is sent.
 */
export type Settle = () => Promise<void>;

interface InputEventOf<S extends InputStream> {
  readonly stream: S;
  readonly payload: InputPayloads[S];
  readonly origin: InputOrigin;
  /** When this process received it, in ms since the epoch. */
  readonly receivedAt: number;
  readonly settle: Settle;
}

/** A validated input message; switch on `stream` to get its payload type. */
export type InputEvent = { [S in InputStream]: InputEventOf<S> }[InputStream];

/**
 * A refused input message. It must be settled too (after it is counted and dead-lettered, see
 * deadLetters.ts), or a Kafka partition stops committing at it.
 */
export interface Reject {
  readonly reason: RejectReason;
  /** What exactly was wrong, without the payload itself. */
  readonly detail: string;
  /** The stream the topic names, when it names one. */
  readonly stream?: InputStream;
  readonly origin: InputOrigin;
  readonly receivedAt: number;
  /** The payload as it arrived. */
  readonly raw: Uint8Array;
  readonly settle: Settle;
}

/**
 * One transport's intake. events$ and rejects$ are hot: subscribe before start(). Both complete
 * when intake stops; events$ errors with a retriable AdaptdError if the transport fails for good
 * (a Kafka group member that will not rejoin; MQTT reconnects by itself and never does).
 */
export interface InputSource {
  readonly transport: TransportName;
  readonly events$: Observable<InputEvent>;
  readonly rejects$: Observable<Reject>;
  /** Connects and subscribes; resolves once messages can flow. */
  start(): Promise<void>;
  /**
   * Stops taking messages: no event is emitted after it resolves and both observables complete.
   * Messages that arrive later stay unacknowledged or uncommitted and come again on the next
   * start. Events already emitted can still be settled until stop().
   */
  stopIntake(): Promise<void>;
  /** Stops intake, commits or acknowledges what is settled, and disconnects. Safe to call twice. */
  stop(): Promise<void>;
}
