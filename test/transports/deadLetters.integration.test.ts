import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { connect as open } from 'mqtt';
import { map, Subject } from 'rxjs';
import { silentLogger } from '../../src/log.js';
import { routeRejects } from '../../src/transports/deadLetters.js';
import type { InputSource, Reject } from '../../src/transports/inputSource.js';
import type { KafkaClient } from '../../src/transports/kafka/kafkaClient.js';
import { KafkaInput } from '../../src/transports/kafka/kafkaInput.js';
import { KafkaOutput } from '../../src/transports/kafka/kafkaOutput.js';
import { KafkajsClient } from '../../src/transports/kafka/kafkajsClient.js';
import {
  deadLetterMessageSchema,
  type DeadLetterMessage,
} from '../../src/transports/messages/deadLetterMessage.js';
import type { RejectReason } from '../../src/transports/messages/rejectReason.js';
import { KafkaTopics, MqttTopics } from '../../src/transports/messages/topics.js';
import { MqttInput } from '../../src/transports/mqtt/mqttInput.js';
import { MqttOutput } from '../../src/transports/mqtt/mqttOutput.js';
import type { OutputSink } from '../../src/transports/outputSink.js';
import { RejectCounter } from '../../src/transports/rejectCounter.js';
import { withDeadline } from '../support/deadline.js';
import { service, servicesSkip, uniqueName, type ServiceName } from '../support/services.js';
import { Collector, quietFor } from './collector.js';

const NOW = Date.UTC(2026, 0, 5, 8, 0, 0);
const LIMITS = { maxBytes: 200, maxAheadMs: 60_000 };

/** The bad payloads sent to the sensors stream, and the reason each must be refused for. */
const BAD: [string, RejectReason][] = [
  ['{"ts": 17', 'json'],
  [JSON.stringify({ ts: NOW, values: { spindle: 'high' } }), 'schema'],
  [JSON.stringify({ ts: NOW, values: { spindle: 1 }, pad: 'x'.repeat(300) }), 'too_large'],
  [JSON.stringify({ ts: 1_767_600_000, values: {} }), 'timestamp'],
];
const GOOD = JSON.stringify({ ts: NOW, values: { spindle: 0.5 } });

/**
 * Wires an input's rejects to a counter and dead letters, as the daemon does. `settled` gets one
 * item per reject once routeRejects has settled it.
 */
function route(
  t: TestContext,
  input: InputSource,
  output: OutputSink,
): { counts: Map<string, number>; settled: Collector<Reject> } {
  const counts = new Map<string, number>();
  const done = new Subject<Reject>();
  const settled = new Collector(done);
  const watched = input.rejects$.pipe(
    map((reject) => ({
      ...reject,
      settle: () => reject.settle().then(() => done.next(reject)),
    })),
  );
  const counter = new RejectCounter({
    count: (reason) => counts.set(reason, (counts.get(reason) ?? 0) + 1),
    logger: silentLogger,
  });
  const subscription = routeRejects(watched, {
    counter,
    output,
    logger: silentLogger,
    maxBytes: 64,
  });
  t.after(() => subscription.unsubscribe());
  return { counts, settled };
}

function checkLetters(letters: DeadLetterMessage[], topic: string): void {
  assert.deepEqual(
    letters.map((letter) => letter.reason),
    BAD.map(([, reason]) => reason),
  );
  for (const [i, letter] of letters.entries()) {
    assert.ok(deadLetterMessageSchema.safeParse(letter).success);
    assert.equal(letter.topic, topic);
    assert.equal(letter.bytes, Buffer.byteLength(BAD[i]![0]));
    assert.equal(letter.truncated, letter.bytes > 64);
    assert.ok(BAD[i]![0].startsWith(letter.payload));
  }
}

describe('dead letters over the real brokers', { skip: servicesSkip() }, () => {
  it(
    'MQTT: counts each reject and dead-letters it; good messages pass',
    { timeout: 30_000 },
    async (t) => {
      const url = service('mqtt');
      const topics = new MqttTopics(`adaptd-test/${uniqueName('dead')}`, 'mill-5');
      const watcher = open(url, { clientId: uniqueName('watch'), reconnectPeriod: 0 });
      t.after(() => watcher.endAsync(true));
      await withDeadline(new Promise((r) => watcher.once('connect', r)), 10_000, 'CONNACK');
      const seen = new Subject<DeadLetterMessage>();
      const letters = new Collector(seen);
      watcher.on('message', (_topic, payload) => {
        seen.next(JSON.parse(payload.toString('utf8')) as DeadLetterMessage);
      });
      await watcher.subscribeAsync(topics.topic('deadletter'), { qos: 1 });

      const output = new MqttOutput({
        connection: { url },
        clientId: uniqueName('adaptd-out'),
        topics,
        logger: silentLogger,
      });
      t.after(() => output.stop());
      await output.start();
      const clientId = uniqueName('adaptd-in');
      const startInput = async () => {
        const input = new MqttInput({
          connection: { url },
          clientId,
          topics,
          sessionExpirySeconds: 300,
          limits: LIMITS,
          logger: silentLogger,
          now: () => NOW,
        });
        const { counts, settled } = route(t, input, output);
        const events = new Collector(input.events$);
        t.after(() => input.stop());
        await input.start();
        return { input, counts, settled, events };
      };
      const first = await startInput();

      for (const [payload] of BAD) {
        await watcher.publishAsync(topics.topic('sensors'), payload, { qos: 1 });
      }
      await watcher.publishAsync(topics.topic('sensors'), GOOD, { qos: 1 });

      checkLetters(
        await letters.first(BAD.length, 10_000, 'dead letters'),
        topics.topic('sensors'),
      );
      assert.deepEqual(Object.fromEntries(first.counts), {
        json: 1,
        schema: 1,
        too_large: 1,
        timestamp: 1,
      });
      const [good] = await first.events.first(1, 10_000, 'the good message');
      await good?.settle();
      // A dead letter can reach the watcher before its publish is acknowledged to the daemon,
      // which settles the reject only then: wait for every settle before the input goes away.
      await first.settled.first(BAD.length, 10_000, 'rejects settled');
      await first.input.stop();

      // Every reject was settled after its dead letter: none comes back.
      const second = await startInput();
      await quietFor(500);
      assert.equal(second.counts.size, 0);
      assert.equal(second.events.items.length, 0);
    },
  );

  for (const broker of [
    { label: 'Kafka 3.9', service: 'kafka' as ServiceName },
    { label: 'Kafka 4', service: 'kafka4' as ServiceName },
  ]) {
    it(
      `${broker.label}: each reject is counted and produced as a dead letter`,
      { timeout: 120_000 },
      async (t) => {
        const client = (): KafkaClient => {
          const made = new KafkajsClient({
            clientId: uniqueName('adaptd-test'),
            brokers: [service(broker.service)],
          });
          t.after(() => made.disconnect());
          return made;
        };
        const topics = new KafkaTopics(uniqueName('adaptd-dead'));
        const output = new KafkaOutput({
          client: client(),
          topics,
          machine: 'mill-5',
          logger: silentLogger,
        });
        t.after(() => output.stop());
        await output.start();
        const producer = client();
        await producer.connect();
        await producer.ensureTopics([{ topic: topics.topic('sensors'), partitions: 1 }]);
        const input = new KafkaInput({
          client: client(),
          topics,
          machine: 'mill-5',
          groupId: uniqueName('adaptd-group'),
          fromBeginning: true,
          streams: ['sensors'],
          limits: LIMITS,
          logger: silentLogger,
          now: () => NOW,
        });
        const { counts } = route(t, input, output);
        const events = new Collector(input.events$);
        t.after(() => input.stop());
        await producer.produce(topics.topic('sensors'), [
          ...BAD.map(([value]) => ({ key: 'mill-5', value })),
          { key: 'mill-5', value: GOOD },
        ]);
        await input.start();

        const seen = new Subject<DeadLetterMessage>();
        const letters = new Collector(seen);
        const reader = client();
        await reader.connect();
        await reader.subscribe(
          {
            groupId: uniqueName('adaptd-reader'),
            topics: [topics.topic('deadletter')],
            fromBeginning: true,
          },
          (record) => {
            assert.equal(record.key?.toString('utf8'), 'mill-5');
            seen.next(JSON.parse(record.value?.toString('utf8') ?? 'null') as DeadLetterMessage);
            return Promise.resolve();
          },
        );

        // Dead letters are produced concurrently, so they may land out of order.
        const got = (await letters.first(BAD.length, 60_000, 'dead letters from Kafka')).sort(
          (a, b) => Number(a.offset) - Number(b.offset),
        );
        checkLetters(got, topics.topic('sensors'));
        assert.deepEqual(
          got.map((letter) => letter.offset),
          ['0', '1', '2', '3'],
        );
        assert.equal(counts.get('json'), 1);
        const [good] = await events.first(1, 60_000, 'the good record');
        assert.equal(good?.origin.offset, '4');
      },
    );
  }
});
