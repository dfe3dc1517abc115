import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../src/log.js';
import type { InputEvent } from '../../src/transports/inputSource.js';
import { KafkaInput } from '../../src/transports/kafka/kafkaInput.js';
import type { KafkaClient } from '../../src/transports/kafka/kafkaClient.js';
import { KafkajsClient } from '../../src/transports/kafka/kafkajsClient.js';
import { KafkaTopics } from '../../src/transports/messages/topics.js';
import { service, servicesSkip, uniqueName, type ServiceName } from '../support/services.js';
import { Collector, quietFor } from './collector.js';

const NOW = Date.UTC(2026, 0, 5, 8, 0, 0);
const BROKERS: readonly { label: string; service: ServiceName }[] = [
  { label: 'Kafka 3.9', service: 'kafka' },
  { label: 'Kafka 4', service: 'kafka4' },
];

function kafkaClient(t: TestContext, name: ServiceName): KafkaClient {
  const client = new KafkajsClient({
    clientId: uniqueName('adaptd-test'),
    brokers: [service(name)],
  });
  t.after(() => client.disconnect());
  return client;
}

interface Bed {
  name: ServiceName;
  topics: KafkaTopics;
  groupId: string;
  producer: KafkaClient;
}

async function bed(t: TestContext, name: ServiceName): Promise<Bed> {
  const producer = kafkaClient(t, name);
  await producer.connect();
  const topics = new KafkaTopics(uniqueName('adaptd-in'));
  await producer.ensureTopics([{ topic: topics.topic('sensors'), partitions: 2 }]);
  return { name, topics, groupId: uniqueName('adaptd-group'), producer };
}

async function input(t: TestContext, b: Bed) {
  const source = new KafkaInput({
    client: kafkaClient(t, b.name),
    topics: b.topics,
    machine: 'mill-7',
    groupId: b.groupId,
    fromBeginning: true,
    streams: ['sensors'],
    logger: silentLogger,
    now: () => NOW,
  });
  const events = new Collector(source.events$);
  const rejects = new Collector(source.rejects$);
  t.after(() => source.stop());
  await source.start();
  return { source, events, rejects };
}

function sample(i: number): string {
  return JSON.stringify({ ts: NOW + i * 260, values: { spindle: i } });
}

function indexOf(event: InputEvent): number {
  assert.equal(event.stream, 'sensors');
  assert.ok('ts' in event.payload);
  return (event.payload.ts - NOW) / 260;
}

describe('KafkaInput on the real Kafka brokers', { skip: servicesSkip() }, () => {
  for (const broker of BROKERS) {
    it(
      `${broker.label}: a restarted input resumes after the last settled record, in order`,
      { timeout: 120_000 },
      async (t) => {
        const b = await bed(t, broker.service);
        const topic = b.topics.topic('sensors');
        await b.producer.produce(topic, [
          ...[0, 1, 2].map((i) => ({ key: 'mill-7', value: sample(i) })),
          { key: 'mill-8', value: sample(100) },
          { key: 'mill-7', value: '{"ts":' },
          ...[3, 4, 5, 6].map((i) => ({ key: 'mill-7', value: sample(i) })),
        ]);

        const first = await input(t, b);
        const delivered = await first.events.first(7, 60_000, 'first deliveries');
        assert.deepEqual(delivered.map(indexOf), [0, 1, 2, 3, 4, 5, 6]);
        const [bad] = await first.rejects.first(1, 10_000, 'the reject');
        assert.equal(bad?.reason, 'json');
        assert.equal(bad?.origin.topic, topic);
        await bad?.settle();
        // 0..3 settled, 4 not, 5 settled: the commit stops before 4.
        for (const i of [0, 1, 2, 3, 5]) await delivered[i]?.settle();
        await first.source.stop();

        const second = await input(t, b);
        const again = await second.events.first(3, 60_000, 'records after the commit');
        assert.deepEqual(again.map(indexOf), [4, 5, 6]);
        assert.equal(second.rejects.items.length, 0, 'the settled reject is not read again');
        for (const event of again) await event.settle();
        await second.source.stop();

        const third = await input(t, b);
        await b.producer.produce(topic, [{ key: 'mill-7', value: sample(7) }]);
        const [next] = await third.events.first(1, 60_000, 'the new record');
        assert.equal(indexOf(next!), 7);
        await quietFor(500);
        assert.equal(third.events.items.length, 1, 'nothing settled is delivered again');
      },
    );
  }
});
