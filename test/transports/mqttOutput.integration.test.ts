import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { connect as open, type IClientOptions, type MqttClient } from 'mqtt';
import { silentLogger } from '../../src/log.js';
import type { StatusMessage } from '../../src/transports/messages/statusMessage.js';
import { MqttTopics } from '../../src/transports/messages/topics.js';
import { MqttOutput } from '../../src/transports/mqtt/mqttOutput.js';
import { withDeadline } from '../support/deadline.js';
import { service, servicesSkip, uniqueName } from '../support/services.js';
import { Collector } from './collector.js';
import { Subject } from 'rxjs';

interface Seen {
  topic: string;
  payload: unknown;
  retain: boolean;
}

async function client(t: TestContext, extra: IClientOptions = {}): Promise<MqttClient> {
  const opened = open(service('mqtt'), {
    clientId: uniqueName('watch'),
    reconnectPeriod: 0,
    protocolVersion: 5,
    ...extra,
  });
  t.after(() => opened.endAsync(true));
  await withDeadline(new Promise((resolve) => opened.once('connect', resolve)), 10_000, 'CONNACK');
  return opened;
}

/** A subscriber to `filter` that collects every message it is sent, retained ones included. */
async function watch(t: TestContext, filter: string): Promise<Collector<Seen>> {
  const watcher = await client(t);
  const seen = new Subject<Seen>();
  const collector = new Collector(seen);
  watcher.on('message', (topic, payload, packet) => {
    seen.next({ topic, payload: JSON.parse(payload.toString('utf8')), retain: packet.retain });
  });
  await watcher.subscribeAsync(filter, { qos: 1 });
  return collector;
}

async function output(t: TestContext, topics: MqttTopics, clientId: string): Promise<MqttOutput> {
  const sink = new MqttOutput({
    connection: { url: service('mqtt'), connectTimeoutMs: 5_000, reconnectMinMs: 100 },
    clientId,
    topics,
    logger: silentLogger,
  });
  t.after(() => sink.stop());
  await sink.start();
  return sink;
}

function status(seen: Seen): StatusMessage {
  return seen.payload as StatusMessage;
}

describe('MqttOutput over the real mosquitto', { skip: servicesSkip() }, () => {
  it('publishes predictions unretained and the status retained', { timeout: 30_000 }, async (t) => {
    const topics = new MqttTopics(`adaptd-test/${uniqueName('out')}`, 'mill-3');
    const sink = await output(t, topics, uniqueName('adaptd-out'));
    await sink.publish('status', { state: 'online', modelVersion: 'm1' } as StatusMessage);
    await sink.publish('predictions', {
      windowStart: 1,
      windowEnd: 2,
      gcodeLine: 7,
      heads: { operation: { label: 'pocket', confidence: 0.9 } },
      modelVersion: 'm1',
      adapterVersion: null,
      maskedChannels: 0,
    });

    // A late subscriber gets the retained status only; the prediction is gone.
    const late = await watch(t, `${topics.prefix}/mill-3/+`);
    const [first] = await late.first(1, 10_000, 'the retained status');
    assert.equal(first?.topic, topics.topic('status'));
    assert.equal(first?.retain, true);
    assert.equal(status(first).state, 'online');
    assert.equal(status(first).session, sink.currentSession);
    assert.equal(status(first).modelVersion, 'm1');

    await sink.stop();
    const [, offline] = await late.first(2, 10_000, 'the offline status');
    assert.deepEqual([status(offline!).state, status(offline!).reason], ['offline', 'stopped']);
    assert.equal(late.items.length, 2);
  });

  it(
    'leaves a last will on a lost connection, then a newer session once back',
    { timeout: 30_000 },
    async (t) => {
      const topics = new MqttTopics(`adaptd-test/${uniqueName('will')}`, 'mill-4');
      const clientId = uniqueName('adaptd-out');
      const sink = await output(t, topics, clientId);
      await sink.publish('status', { state: 'online' } as StatusMessage);
      const statuses = await watch(t, topics.topic('status'));
      const [online] = await statuses.first(1, 10_000, 'the retained status');
      const session = status(online!).session;

      // A second client with the same id takes the session over: the broker drops the first
      // connection without a DISCONNECT, which is what a network failure looks like to it.
      const usurper = await client(t, { clientId });
      await usurper.endAsync();

      const [, will, back] = await statuses.first(3, 15_000, 'the will and the new status');
      assert.deepEqual(status(will!), {
        state: 'offline',
        session,
        ts: status(will!).ts,
        reason: 'connection lost',
      });
      assert.equal(status(back!).state, 'online');
      assert.ok(status(back!).session > session, 'the new connection has a larger session');
    },
  );
});
