import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { connect as open, type MqttClient } from 'mqtt';
import { silentLogger } from '../../src/log.js';
import type { InputEvent, Reject } from '../../src/transports/inputSource.js';
import { MqttTopics } from '../../src/transports/messages/topics.js';
import { MqttInput, type MqttInputOptions } from '../../src/transports/mqtt/mqttInput.js';
import { withDeadline } from '../support/deadline.js';
import { service, servicesSkip, uniqueName } from '../support/services.js';
import { Collector, quietFor } from './collector.js';

const NOW = Date.UTC(2026, 0, 5, 8, 0, 0);

interface Bed {
  topics: MqttTopics;
  clientId: string;
  publisher: MqttClient;
}

async function bed(t: TestContext): Promise<Bed> {
  const publisher = open(service('mqtt'), { clientId: uniqueName('pub'), reconnectPeriod: 0 });
  t.after(() => publisher.endAsync(true));
  await withDeadline(
    new Promise((resolve) => publisher.once('connect', resolve)),
    10_000,
    'CONNACK',
  );
  return {
    topics: new MqttTopics(`adaptd-test/${uniqueName('in')}`, 'mill-7'),
    clientId: uniqueName('adaptd-input'),
    publisher,
  };
}

/** A started input, stopped when the test ends, with collectors on both observables. */
async function input(
  t: TestContext,
  { topics, clientId }: Bed,
  extra: Partial<MqttInputOptions> = {},
): Promise<{ source: MqttInput; events: Collector<InputEvent>; rejects: Collector<Reject> }> {
  const source = new MqttInput({
    connection: { url: service('mqtt'), connectTimeoutMs: 5_000 },
    clientId,
    topics,
    sessionExpirySeconds: 300,
    logger: silentLogger,
    now: () => NOW,
    ...extra,
  });
  const events = new Collector(source.events$);
  const rejects = new Collector(source.rejects$);
  t.after(() => source.stop());
  await source.start();
  return { source, events, rejects };
}

function sample(i: number): string {
  return JSON.stringify({ ts: NOW + i * 260, values: { 'y_bed__3.Ax': i, spindle: null } });
}

function tsOf(event: InputEvent): number {
  assert.equal(event.stream, 'sensors');
  return 'ts' in event.payload ? event.payload.ts : -1;
}

describe('MqttInput over the real mosquitto', { skip: servicesSkip() }, () => {
  it(
    'turns good messages into events and bad ones into rejects',
    { timeout: 30_000 },
    async (t) => {
      const b = await bed(t);
      const { events, rejects } = await input(t, b);
      const send = (stream: string, payload: string | Buffer) =>
        b.publisher.publishAsync(`${b.topics.prefix}/mill-7/${stream}`, payload, { qos: 1 });

      await send('sensors', sample(0));
      await send('gcode', JSON.stringify({ ts: NOW, line: 12, text: 'G1 X1 F20' }));
      await send('sensors', '{"ts": ');
      await send('sensors', `{"ts": ${NOW}, "values": {"a": 1e999}}`);
      await send(
        'labels',
        JSON.stringify({ from: NOW, to: NOW - 1, head: 'tool', label: 'damaged' }),
      );
      await send('commands', JSON.stringify({ command: 'rollback' }));
      await send('sensors', Buffer.from([0xff, 0xfe, 0x00]));

      const got = await events.first(2, 10_000, 'events');
      assert.deepEqual(
        got.map((event) => [event.stream, event.origin.topic]),
        [
          ['sensors', b.topics.topic('sensors')],
          ['gcode', b.topics.topic('gcode')],
        ],
      );
      const refused = await rejects.first(5, 10_000, 'rejects');
      assert.deepEqual(
        refused.map((reject) => [reject.reason, reject.stream]),
        [
          ['json', 'sensors'],
          ['non_finite', 'sensors'],
          ['timestamp', 'labels'],
          ['schema', 'commands'],
          ['encoding', 'sensors'],
        ],
      );
      assert.deepEqual([...(refused[4]?.raw ?? [])], [0xff, 0xfe, 0x00]);
    },
  );

  it(
    'holds the acknowledgement until settle: unsettled messages come again after a reconnect',
    { timeout: 60_000 },
    async (t) => {
      const b = await bed(t);
      const first = await input(t, b);
      for (let i = 0; i < 3; i += 1) {
        await b.publisher.publishAsync(b.topics.topic('sensors'), sample(i), { qos: 1 });
      }
      const delivered = await first.events.first(3, 10_000, 'first deliveries');
      // Settling the second alone acknowledges nothing: MQTT acknowledges in order.
      await delivered[1]?.settle();
      await first.source.stop();

      const second = await input(t, b);
      const again = await second.events.first(3, 10_000, 'redeliveries');
      assert.deepEqual(
        again.map(tsOf),
        [0, 1, 2].map((i) => NOW + i * 260),
      );
      for (const event of again.slice(0, 2)) await event.settle();
      await second.source.stop();

      const third = await input(t, b);
      await b.publisher.publishAsync(b.topics.topic('sensors'), sample(3), { qos: 1 });
      const last = await third.events.first(2, 10_000, 'the unsettled and the new message');
      assert.deepEqual(last.map(tsOf), [NOW + 2 * 260, NOW + 3 * 260]);
      await quietFor(300);
      assert.equal(third.events.items.length, 2, 'settled messages are not delivered again');
    },
  );

  it(
    'acknowledges the oldest unsettled delivery when the limit is reached, so the stream flows',
    { timeout: 30_000 },
    async (t) => {
      const b = await bed(t);
      let forced = 0;
      const { events } = await input(t, b, { maxUnsettled: 4, onForcedAck: () => (forced += 1) });
      for (let i = 0; i < 10; i += 1) {
        await b.publisher.publishAsync(b.topics.topic('sensors'), sample(i), { qos: 1 });
      }
      const got = await events.first(10, 10_000, 'deliveries past the unsettled limit');
      assert.deepEqual(
        got.map(tsOf),
        [...Array(10).keys()].map((i) => NOW + i * 260),
      );
      assert.equal(forced, 7, 'every delivery past the fourth forces the oldest out');
    },
  );
});
