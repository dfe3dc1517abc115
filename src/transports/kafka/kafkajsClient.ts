import type { ConnectionOptions } from 'node:tls';
import {
  Kafka,
  Partitioners,
  type Admin,
  type Consumer,
  type Producer,
  type SASLOptions,
} from 'kafkajs';
import { AdaptdError } from '../../errors.js';
import { silentLogger, type Logger } from '../../log.js';
import type {
  IncomingRecord,
  KafkaClient,
  KafkaSubscription,
  OutgoingRecord,
  RecordHandler,
  RecordPosition,
  SubscribeOptions,
  TopicSpec,
} from './kafkaClient.js';
import { kafkajsLevel, kafkajsLogCreator } from './kafkajsLog.js';
import { nextOffsets } from './nextOffsets.js';

/** TLS and SASL for every connection; nothing set means plaintext without authentication. */
export interface KafkaSecurity {
  /** TLS options (CA, client certificate and key as PEM contents), or absent for plaintext. */
  readonly ssl?: ConnectionOptions;
  readonly sasl?: SASLOptions;
}

export interface KafkajsClientSettings {
  readonly clientId: string;
  /** host:port of at least one broker; the rest of the cluster is discovered from it. */
  readonly brokers: readonly string[];
  readonly logger?: Logger;
  /** How long one TCP connection attempt may take, in ms. */
  readonly connectionTimeoutMs?: number;
  /** How long a broker may take to answer one request, in ms. */
  readonly requestTimeoutMs?: number;
  /** How often kafkajs retries a failed request, with backoff, before the call fails. */
  readonly retries?: number;
  readonly security?: KafkaSecurity;
}

/** KafkaClient on kafkajs 2.2.4: one admin and one producer connection, a consumer per group. */
export class KafkajsClient implements KafkaClient {
  private readonly kafka: Kafka;
  private readonly admin: Admin;
  private readonly producer: Producer;
  private readonly consumers = new Set<Consumer>();
  private readonly brokers: readonly string[];
  private readonly logger: Logger;

  constructor(settings: KafkajsClientSettings) {
    if (settings.brokers.length === 0) {
      throw new AdaptdError('CONFIG_INVALID', 'Kafka brokers list is empty; give host:port', {
        context: { clientId: settings.clientId },
      });
    }
    this.brokers = settings.brokers;
    this.logger = (settings.logger ?? silentLogger).child({ component: 'kafka' });
    this.kafka = new Kafka({
      clientId: settings.clientId,
      brokers: [...settings.brokers],
      connectionTimeout: settings.connectionTimeoutMs ?? 3_000,
      requestTimeout: settings.requestTimeoutMs ?? 30_000,
      retry: { retries: settings.retries ?? 5 },
      ...(settings.security?.ssl === undefined ? {} : { ssl: settings.security.ssl }),
      ...(settings.security?.sasl === undefined ? {} : { sasl: settings.security.sasl }),
      logLevel: kafkajsLevel(this.logger),
      logCreator: kafkajsLogCreator(this.logger),
    });
    this.admin = this.kafka.admin();
    // The Java client's murmur2 partitioner, so a key lands where other clients put it.
    this.producer = this.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  }

  async connect(): Promise<void> {
    await this.attempt('connect', async () => {
      await this.admin.connect();
      await this.producer.connect();
    });
    this.logger.info({ brokers: this.brokers }, 'kafka connected');
  }

  async ensureTopics(topics: readonly TopicSpec[]): Promise<void> {
    await this.attempt('create topics', async () => {
      await this.admin.createTopics({
        topics: topics.map(({ topic, partitions }) => ({ topic, numPartitions: partitions })),
        waitForLeaders: false,
      });
      await this.awaitLeaders(topics.map(({ topic }) => topic));
    });
  }

  /**
   * Waits until every partition of the topics has a leader. kafkajs's own wait (waitForLeaders)
   * retries only LEADER_NOT_AVAILABLE, but a KRaft broker answers UNKNOWN_TOPIC_OR_PARTITION
   * for a topic its metadata cache has not caught up with yet, and that fails the call.
   */
  private async awaitLeaders(names: readonly string[], timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const { topics } = await this.admin.fetchTopicMetadata({ topics: [...names] });
        const led = topics.every(
          (topic) =>
            topic.partitions.length > 0 &&
            topic.partitions.every((partition) => partition.leader >= 0),
        );
        if (led) return;
      } catch (error) {
        if ((error as { type?: unknown }).type !== 'UNKNOWN_TOPIC_OR_PARTITION') throw error;
      }
      if (Date.now() > deadline) {
        throw new Error(`topics ${names.join(', ')} have no leaders after ${timeoutMs} ms`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async produce(topic: string, records: readonly OutgoingRecord[]): Promise<void> {
    await this.attempt(`produce to ${topic}`, () =>
      this.producer.send({
        topic,
        acks: -1,
        messages: records.map(({ key, value }) => ({ key, value })),
      }),
    );
  }

  async subscribe(options: SubscribeOptions, handler: RecordHandler): Promise<KafkaSubscription> {
    const session = options.sessionTimeoutMs;
    const consumer = this.kafka.consumer({
      groupId: options.groupId,
      // Heartbeats at a third of the session at most (kafkajs' default is 3 s in a 30 s one).
      ...(session === undefined
        ? {}
        : { sessionTimeout: session, heartbeatInterval: Math.min(3000, Math.floor(session / 3)) }),
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (payload.restart) {
        options.onReachable?.(false);
        return;
      }
      options.onFailure?.(this.failure(`consume in group ${options.groupId}`, payload.error));
    });
    const reached = () => options.onReachable?.(true);
    consumer.on(consumer.events.FETCH, reached);
    consumer.on(consumer.events.HEARTBEAT, reached);
    consumer.on(consumer.events.REBALANCING, () => options.onRebalancing?.());
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      options.onAssignment?.(
        Object.entries(payload.memberAssignment).flatMap(([topic, partitions]) =>
          partitions.map((partition) => ({ topic, partition })),
        ),
      );
    });
    this.consumers.add(consumer);
    try {
      await this.attempt(`subscribe group ${options.groupId}`, async () => {
        await consumer.connect();
        await consumer.subscribe({
          topics: [...options.topics],
          fromBeginning: options.fromBeginning,
        });
        await consumer.run({
          autoCommit: false,
          eachMessage: ({ topic, partition, message }) =>
            handler({
              topic,
              partition,
              offset: message.offset,
              key: message.key ?? null,
              value: message.value,
              timestamp: Number(message.timestamp),
            } satisfies IncomingRecord),
        });
      });
    } catch (error) {
      await this.stopConsumer(consumer);
      throw error;
    }
    this.logger.info({ group: options.groupId, topics: options.topics }, 'kafka subscribed');
    return {
      commit: (records: readonly RecordPosition[]) =>
        this.attempt(`commit group ${options.groupId}`, () =>
          consumer.commitOffsets(nextOffsets(records)),
        ),
      stop: () => this.stopConsumer(consumer),
    };
  }

  async disconnect(): Promise<void> {
    await Promise.all([...this.consumers].map((consumer) => this.stopConsumer(consumer)));
    await this.producer.disconnect();
    await this.admin.disconnect();
    this.logger.info({ brokers: this.brokers }, 'kafka disconnected');
  }

  private async stopConsumer(consumer: Consumer): Promise<void> {
    if (!this.consumers.delete(consumer)) return;
    await consumer.disconnect();
  }

  private async attempt<T>(operation: string, action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      throw this.failure(operation, error);
    }
  }

  private failure(operation: string, error: unknown): AdaptdError {
    const detail = error instanceof Error ? error.message : String(error);
    return new AdaptdError(
      'BROKER_UNAVAILABLE',
      `Kafka ${operation} failed against ${this.brokers.join(',')}: ${detail}`,
      {
        cause: error,
        retriable: isTransient(error),
        context: { operation, brokers: this.brokers },
      },
    );
  }
}

/**
 * Whether trying again later can help. kafkajs marks its errors retriable or not, and wraps a
 * retriable one that kept failing in KafkaJSNumberOfRetriesExceeded, which is non-retriable only
 * for its own retry loop; anything that is not a kafkajs error is taken as transient.
 */
function isTransient(error: unknown): boolean {
  if (!(error instanceof Error)) return true;
  if (error.name === 'KafkaJSNumberOfRetriesExceeded' && error.cause !== undefined) {
    return isTransient(error.cause);
  }
  return 'retriable' in error ? error.retriable === true : true;
}
