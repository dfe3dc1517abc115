import type { InputPublisher } from '../inputPublisher.js';
import type { InputPayloads } from '../messages/payloadSchemas.js';
import { INPUT_STREAMS, type InputStream } from '../messages/streams.js';
import type { KafkaTopics } from '../messages/topics.js';
import type { KafkaClient } from './kafkaClient.js';

export interface KafkaInputPublisherOptions {
  /** Owned by the publisher: connected in start(), disconnected in stop(). */
  readonly client: KafkaClient;
  readonly topics: KafkaTopics;
  /** The key of every record, as the daemon of that machine expects it. */
  readonly machine: string;
  /** Partitions of an input topic that does not exist yet. */
  readonly partitions?: number;
}

/** Produces input messages to `<prefix>.<stream>`, keyed by machine id. */
export class KafkaInputPublisher implements InputPublisher {
  constructor(private readonly options: KafkaInputPublisherOptions) {}

  async start(): Promise<void> {
    const { client, topics, partitions } = this.options;
    await client.connect();
    try {
      await client.ensureTopics(
        INPUT_STREAMS.map((stream) => ({
          topic: topics.topic(stream),
          partitions: partitions ?? 3,
        })),
      );
    } catch (error) {
      await client.disconnect();
      throw error;
    }
  }

  async publish<S extends InputStream>(stream: S, payload: InputPayloads[S]): Promise<void> {
    await this.options.client.produce(this.options.topics.topic(stream), [
      { key: this.options.machine, value: JSON.stringify(payload) },
    ]);
  }

  stop(): Promise<void> {
    return this.options.client.disconnect();
  }
}
