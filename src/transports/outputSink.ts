import type { OutputPayloads } from './messages/payloadSchemas.js';
import type { OutputStream } from './messages/streams.js';

/**
 * Publishes the daemon's outputs. A sink checks nothing: payloads are typed by the stream map,
 * and the caller builds them.
 */
export interface OutputSink {
  /** Resolves once the broker has the message (PUBACK for QoS 1, acks=all for Kafka). */
  publish<S extends OutputStream>(stream: S, payload: OutputPayloads[S]): Promise<void>;
  start(): Promise<void>;
  /** Publishes what the transport owes on a clean exit (MQTT: offline status), then closes. */
  stop(): Promise<void>;
}
