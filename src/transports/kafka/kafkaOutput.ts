import type { Logger } from '../../log.js';
import type { OutputPayloads } from '../messages/payloadSchemas.js';
import { OUTPUT_STREAMS, type OutputStream } from '../messages/streams.js';
import type { KafkaTopics } from '../messages/topics.js';
import type { OutputSink } from '../outputSink.js';
import type { KafkaClient } from './kafkaClient.js';

export interface KafkaOutputOptions {
  /** Owned by the output: connected in start(), disconnected in stop(). */
  readonly client: KafkaClient;
  readonly topics: KafkaTopics;
  /** The key of every record, so one machine's records stay in one partition, in order. */
  readonly machine: string;
  /** Partitions of an output topic that does not exist yet. */
  readonly partitions?: number;
  readonly logger: Logger;
}

/**
 * Output to Kafka: `<prefix>.<stream>` topics keyed by machine id, a record resolved once the
 * partition leader and its replicas have it. Kafka has no retained messages or wills: the
 * status topic holds the history of states, and the latest per key is the current one (a
 * compacted topic keeps exactly that).
 */
export class KafkaOutput implements OutputSink {
  private readonly logger: Logger;

  constructor(private readonly options: KafkaOutputOptions) {
    this.logger = options.logger.child({ component: 'kafka-output' });
  }

  async start(): Promise<void> {
    const { client, topics, partitions } = this.options;
    await client.connect();
    try {
      await client.ensureTopics(
        OUTPUT_STREAMS.map((stream) => ({
          topic: topics.topic(stream),
          partitions: partitions ?? 3,
        })),
      );
    } catch (error) {
      await client.disconnect();
      throw error;
    }
    this.logger.info({ prefix: topics.prefix }, 'kafka output ready');
  }

  async publish<S extends OutputStream>(stream: S, payload: OutputPayloads[S]): Promise<void> {
    await this.options.client.produce(this.options.topics.topic(stream), [
      { key: this.options.machine, value: JSON.stringify(payload) },
    ]);
  }

  async stop(): Promise<void> {
    await this.options.client.disconnect();
  }
}
