import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { connect as open, type IClientOptions, type MqttClient } from 'mqtt';
import { withDeadline } from '../support/deadline.js';
import { service, servicesSkip, uniqueName } from '../support/services.js';

interface Delivery {
  topic: string;
  payload: string;
  qos: number;
}

function options(extra: IClientOptions = {}): IClientOptions {
  return {
    clientId: uniqueName('adaptd-test'),
    connectTimeout: 5_000,
    reconnectPeriod: 0,
    ...extra,
  };
}

/** A client whose connection is still under way, closed when the test ends. */
function start(t: TestContext, extra: IClientOptions = {}): MqttClient {
  const client = open(service('mqtt'), options(extra));
  t.after(() => client.endAsync(true));
  return client;
}

function connected(client: MqttClient): Promise<void> {
  return withDeadline(
    new Promise((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    }),
    10_000,
    'the CONNACK from mosquitto',
  );
}

async function connect(t: TestContext, extra: IClientOptions = {}): Promise<MqttClient> {
  const client = start(t, extra);
  await connected(client);
  return client;
}

function nextDelivery(client: MqttClient): Promise<Delivery> {
  return new Promise((resolve) => {
    client.once('message', (topic, payload, packet) => {
      resolve({ topic, payload: payload.toString('utf8'), qos: packet.qos });
    });
  });
}

describe('MQTT over the real mosquitto', { skip: servicesSkip() }, () => {
  it('delivers a QoS 1 publish to a subscriber', { timeout: 30_000 }, async (t) => {
    const topic = `adaptd-test/${uniqueName('qos1')}`;
    const subscriber = await connect(t);
    const publisher = await connect(t);
    const delivered = nextDelivery(subscriber);
    const granted = await subscriber.subscribeAsync(topic, { qos: 1 });
    assert.deepEqual(
      granted.map(({ qos }) => qos),
      [1],
    );

    // mqtt.js resolves a QoS 1 publish only once mosquitto's PUBACK is in.
    const sent = await publisher.publishAsync(topic, 'window 17', { qos: 1 });

    assert.ok(sent?.cmd === 'publish', 'publishAsync resolves with the PUBLISH packet');
    assert.equal(sent.qos, 1);
    assert.deepEqual(await withDeadline(delivered, 10_000, 'the QoS 1 message'), {
      topic,
      payload: 'window 17',
      qos: 1,
    });
  });

  it(
    'keeps a QoS 1 message for a persistent session while it is away',
    {
      timeout: 30_000,
    },
    async (t) => {
      const topic = `adaptd-test/${uniqueName('queued')}`;
      const clientId = uniqueName('adaptd-session');
      const away = await connect(t, { clientId, clean: false });
      await away.subscribeAsync(topic, { qos: 1 });
      await away.endAsync();

      const publisher = await connect(t);
      await publisher.publishAsync(topic, 'sent while away', { qos: 1 });

      // Listen before the CONNACK: mosquitto sends the queued message right behind it.
      const back = start(t, { clientId, clean: false });
      const delivered = nextDelivery(back);
      await connected(back);
      const message = await withDeadline(delivered, 10_000, 'the message queued for the session');
      assert.deepEqual(message, { topic, payload: 'sent while away', qos: 1 });
    },
  );
});
