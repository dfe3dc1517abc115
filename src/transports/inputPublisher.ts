import type { InputPayloads } from './messages/payloadSchemas.js';
import type { InputStream } from './messages/streams.js';

/**
 * Publishes to the daemon's input streams, as a machine would: what `adaptd replay` and the
 * embedded default use to feed recorded runs to a broker.
 */
export interface InputPublisher {
  start(): Promise<void>;
  /** Resolves once the broker has the message (PUBACK for QoS 1, acks=all for Kafka). */
  publish<S extends InputStream>(stream: S, payload: InputPayloads[S]): Promise<void>;
  stop(): Promise<void>;
}
