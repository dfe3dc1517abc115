import type { TestContext } from 'node:test';
import { silentLogger } from '../../src/log.js';
import { KafkajsClient } from '../../src/transports/kafka/kafkajsClient.js';
import type { PredictionMessage } from '../../src/transports/messages/predictionMessage.js';
import type { ReplyMessage } from '../../src/transports/messages/replyMessage.js';
import { withDeadline } from '../support/deadline.js';
import { uniqueName } from '../support/services.js';
import { quietFor } from '../transports/collector.js';

/** The daemon's output topics the machine reads. */
const READ = ['predictions', 'replies', 'status', 'events'];

type StatusOrEvent = { kind?: string; state?: string; reason?: string; detail?: unknown };

/**
 * The machine's side of a daemon test on Kafka: produces inputs keyed by the machine id to
 * `<prefix>.<stream>` and reads the predictions, replies, status and events topics from their
 * beginning.
 */
export async function kafkaMachine(
  t: TestContext,
  options: { brokers: string; prefix: string; machine: string },
) {
  const { prefix, machine } = options;
  const client = new KafkajsClient({
    clientId: uniqueName('machine'),
    brokers: [options.brokers],
    logger: silentLogger,
  });
  await client.connect();
  t.after(() => client.disconnect());
  await client.ensureTopics(
    ['sensors', 'gcode', 'labels', 'commands', ...READ].map((stream) => ({
      topic: `${prefix}.${stream}`,
      partitions: 1,
    })),
  );
  const received = new Map<string, unknown[]>(READ.map((stream) => [stream, []]));
  const predictions = received.get('predictions') as PredictionMessage[];
  const replies = received.get('replies') as ReplyMessage[];
  const subscription = await client.subscribe(
    {
      groupId: uniqueName('reader'),
      topics: READ.map((stream) => `${prefix}.${stream}`),
      fromBeginning: true,
    },
    (record) => {
      const value: unknown = JSON.parse(record.value?.toString('utf8') ?? 'null');
      received.get(record.topic.slice(prefix.length + 1))?.push(value);
      return Promise.resolve();
    },
  );
  t.after(() => subscription.stop());
  return {
    predictions,
    replies,
    /** Messages read from the daemon's status or events topic so far. */
    received: (stream: 'status' | 'events') => received.get(stream) as StatusOrEvent[],
    produce: (stream: string, payloads: unknown[]) =>
      client.produce(
        `${prefix}.${stream}`,
        payloads.map((payload) => ({ key: machine, value: JSON.stringify(payload) })),
      ),
    waitFor: (count: number, ms: number) =>
      withDeadline(
        (async () => {
          while (predictions.length < count) await quietFor(50);
        })(),
        ms,
        `${count} predictions on Kafka (${predictions.length} so far)`,
      ),
  };
}
