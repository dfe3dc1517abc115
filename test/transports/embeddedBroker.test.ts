import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { connect as netConnect } from 'node:net';
import { connect as open } from 'mqtt';
import { silentLogger } from '../../src/log.js';
import { EmbeddedBroker } from '../../src/transports/embeddedBroker.js';
import { MqttTopics } from '../../src/transports/messages/topics.js';
import { MqttInput } from '../../src/transports/mqtt/mqttInput.js';
import { withDeadline } from '../support/deadline.js';
import { Collector } from './collector.js';

const NOW = Date.UTC(2026, 0, 5, 8, 0, 0);

async function broker(t: TestContext): Promise<EmbeddedBroker> {
  const embedded = new EmbeddedBroker({ logger: silentLogger });
  t.after(() => embedded.stop());
  await embedded.start();
  return embedded;
}

async function input(t: TestContext, url: string, clientId: string, topics: MqttTopics) {
  const source = new MqttInput({
    connection: { url, protocolVersion: 4, connectTimeoutMs: 5_000 },
    clientId,
    topics,
    sessionExpirySeconds: 60,
    logger: silentLogger,
    now: () => NOW,
  });
  const events = new Collector(source.events$);
  t.after(() => source.stop());
  await source.start();
  return { source, events };
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = netConnect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

describe('EmbeddedBroker', () => {
  it(
    'carries QoS 1 input to MqttInput and keeps unsettled messages for the session',
    { timeout: 30_000 },
    async (t) => {
      const embedded = await broker(t);
      assert.match(embedded.url, /^mqtt:\/\/127\.0\.0\.1:\d+$/);
      const topics = new MqttTopics('adaptd', 'mill-1');
      const first = await input(t, embedded.url, 'adaptd-mill-1', topics);
      const publisher = open(embedded.url, { protocolVersion: 4, reconnectPeriod: 0 });
      t.after(() => publisher.endAsync(true));
      await withDeadline(
        new Promise((resolve) => publisher.once('connect', resolve)),
        5_000,
        'CONNACK',
      );
      const line = (n: number) => JSON.stringify({ ts: NOW + n, line: n, text: `N${n} G1 X${n}` });
      await publisher.publishAsync(topics.topic('gcode'), line(1), { qos: 1 });
      await publisher.publishAsync(topics.topic('gcode'), line(2), { qos: 1 });

      const got = await first.events.first(2, 5_000, 'G-code lines');
      assert.deepEqual(
        got.map((event) => event.stream === 'gcode' && event.payload.line),
        [1, 2],
      );
      await got[0]?.settle();
      await first.source.stop();

      const second = await input(t, embedded.url, 'adaptd-mill-1', topics);
      const [again] = await second.events.first(1, 5_000, 'the unsettled line');
      assert.equal(again?.stream === 'gcode' && again.payload.line, 2);
    },
  );

  it('frees its port when stopped, even with clients connected', { timeout: 30_000 }, async (t) => {
    const embedded = await broker(t);
    const port = Number(new URL(embedded.url).port);
    const client = open(embedded.url, { protocolVersion: 4, reconnectPeriod: 0 });
    t.after(() => client.endAsync(true));
    await withDeadline(new Promise((resolve) => client.once('connect', resolve)), 5_000, 'CONNACK');

    await embedded.stop();

    assert.equal(await refused(port), true, 'nothing listens on the port any more');
    await embedded.stop();
  });

  it('reports a port it cannot listen on', { timeout: 10_000 }, async (t) => {
    const taken = await broker(t);
    const port = Number(new URL(taken.url).port);
    const second = new EmbeddedBroker({ logger: silentLogger, port });
    await assert.rejects(second.start(), /cannot listen on 127\.0\.0\.1:\d+/);
  });
});
