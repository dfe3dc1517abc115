import type { TestContext } from 'node:test';
import { silentLogger } from '../../src/log.js';
import { KafkajsClient } from '../../src/transports/kafka/kafkajsClient.js';
import type { PredictionMessage } from '../../src/transports/messages/predictionMessage.js';
import type { ReplyMessage } from '../../src/transports/messages/replyMessage.js';
import { withDeadline } from '../support/deadline.js';
import { uniqueName } from '../support/services.js';
import { quietFor } from '../transports/collector.js';

/**
 * The machine's side of a daemon test on Kafka: produces inputs keyed by the machine id to
 * `<prefix>.<stream>` and reads the predictions and replies topics from their beginning.
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
    ['sensors', 'gcode', 'labels', 'commands', 'predictions', 'replies'].map((stream) => ({
      topic: `${prefix}.${stream}`,
      partitions: 1,
    })),
  );
  const predictions: PredictionMessage[] = [];
  const replies: ReplyMessage[] = [];
  const subscription = await client.subscribe(
    {
      groupId: uniqueName('reader'),
      topics: [`${prefix}.predictions`, `${prefix}.replies`],
      fromBeginning: true,
    },
    (record) => {
      const value: unknown = JSON.parse(record.value?.toString('utf8') ?? 'null');
      if (record.topic.endsWith('.replies')) replies.push(value as ReplyMessage);
      else predictions.push(value as PredictionMessage);
      return Promise.resolve();
    },
  );
  t.after(() => subscription.stop());
  return {
    predictions,
    replies,
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
