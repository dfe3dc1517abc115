import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type {
  IncomingRecord,
  KafkaClient,
  KafkaSubscription,
  OutgoingRecord,
} from '../../src/transports/kafka/kafkaClient.js';
import { KafkajsClient } from '../../src/transports/kafka/kafkajsClient.js';
import { withDeadline } from '../support/deadline.js';
import { service, servicesSkip, uniqueName, type ServiceName } from '../support/services.js';

const BROKERS: readonly { label: string; service: ServiceName }[] = [
  { label: 'Kafka 3.9', service: 'kafka' },
  { label: 'Kafka 4', service: 'kafka4' },
];

async function connectedClient(t: TestContext, name: ServiceName): Promise<KafkaClient> {
  const client = new KafkajsClient({
    clientId: uniqueName('adaptd-test'),
    brokers: [service(name)],
  });
  t.after(() => client.disconnect());
  await client.connect();
  return client;
}

/**
 * Joins `groupId`, handles the first `count` records it is given, committing each one as it is
 * handled, then leaves the group. Records past `count` are neither kept nor committed.
 */
async function handleAndCommit(
  client: KafkaClient,
  topic: string,
  groupId: string,
  count: number,
): Promise<IncomingRecord[]> {
  const handled: IncomingRecord[] = [];
  let subscribed: (subscription: KafkaSubscription) => void = () => undefined;
  const subscription = new Promise<KafkaSubscription>((resolve) => (subscribed = resolve));
  let finished: () => void = () => undefined;
  const enough = new Promise<void>((resolve) => (finished = resolve));

  const member = await client.subscribe(
    { groupId, topics: [topic], fromBeginning: true },
    async (record) => {
      if (handled.length >= count) return;
      handled.push(record);
      await (await subscription).commit([record]);
      if (handled.length === count) finished();
    },
  );
  subscribed(member);
  try {
    await withDeadline(enough, 45_000, `${count} records of ${topic} for group ${groupId}`);
  } finally {
    await member.stop();
  }
  return handled;
}

function text(buffer: Buffer | null): string {
  assert.ok(buffer !== null, 'record carries a key and a value');
  return buffer.toString('utf8');
}

describe('Kafka through KafkajsClient', { skip: servicesSkip() }, () => {
  for (const broker of BROKERS) {
    it(
      `${broker.label}: a restarted group member resumes after the committed offset`,
      {
        timeout: 120_000,
      },
      async (t) => {
        const client = await connectedClient(t, broker.service);
        const topic = uniqueName('adaptd-records');
        const groupId = uniqueName('adaptd-group');
        await client.ensureTopics([{ topic, partitions: 2 }]);
        const sent: OutgoingRecord[] = Array.from({ length: 10 }, (_, i) => ({
          key: `machine-${i % 3}`,
          value: `window-${i}`,
        }));
        await client.produce(topic, sent);

        const first = await handleAndCommit(client, topic, groupId, 4);
        const second = await handleAndCommit(client, topic, groupId, sent.length - first.length);

        const received = [...first, ...second];
        const values = received.map((record) => text(record.value));
        assert.deepEqual(
          [...values].sort(),
          sent.map((record) => record.value).sort(),
          'each record is handled exactly once across the restart',
        );
        const keyOf = new Map(sent.map((record) => [record.value, record.key]));
        for (const record of received) {
          assert.equal(text(record.key), keyOf.get(text(record.value)), 'key travels with value');
        }
        const partitionsOfKey = new Map<string, Set<number>>();
        for (const record of received) {
          const key = text(record.key);
          partitionsOfKey.set(key, (partitionsOfKey.get(key) ?? new Set()).add(record.partition));
        }
        for (const [key, partitions] of partitionsOfKey) {
          assert.equal(partitions.size, 1, `all records of ${key} share one partition`);
        }
      },
    );
  }
});
