import type { TestContext } from 'node:test';
import { connectAsync, type MqttClient } from 'mqtt';
import type { InputPublisher } from '../../src/transports/inputPublisher.js';
import { service, uniqueName } from '../support/services.js';
import { quietFor } from '../transports/collector.js';

/** What the integration tests hear on one of the daemon's topics: parsed JSON, in order. */
export type Heard = Record<string, unknown>;

/**
 * The other side of the daemon's topics on the real mosquitto: a plain MQTT client that
 * publishes as the machine or an operator would and collects what the daemon publishes,
 * per stream. Disconnected when the test ends.
 */
export interface MqttMachine {
  /** The daemon's inputs published as JSON, QoS 1, for `replayRuns` and friends. */
  readonly publisher: InputPublisher;
  subscribe(...streams: string[]): Promise<void>;
  received(stream: string): Heard[];
  publish(stream: string, payload: unknown, retain?: boolean): Promise<void>;
  /** A payload published as given, for input the daemon must refuse. */
  raw(stream: string, payload: string | Buffer, retain?: boolean): Promise<void>;
  /** Waits until `done` holds, failing after `ms` with `what` and the count so far. */
  until(done: () => boolean, ms: number, what: () => string): Promise<void>;
  waitFor(stream: string, count: number, ms: number): Promise<void>;
}

export async function mqttMachine(
  t: TestContext,
  prefix: string,
  machineId: string,
  role = 'machine',
): Promise<MqttMachine> {
  const client: MqttClient = await connectAsync(service('mqtt'), {
    clientId: uniqueName(role),
    reconnectPeriod: 0,
  });
  t.after(() => client.endAsync(true));
  const topic = (stream: string) => `${prefix}/${machineId}/${stream}`;
  const heard = new Map<string, Heard[]>();
  client.on('message', (name, payload) => {
    const stream = name.slice(topic('').length);
    const list = heard.get(stream) ?? [];
    list.push(JSON.parse(payload.toString('utf8')) as Heard);
    heard.set(stream, list);
  });
  const raw = async (stream: string, payload: string | Buffer, retain = false) => {
    await client.publishAsync(topic(stream), payload, { qos: 1, retain });
  };
  const received = (stream: string) => heard.get(stream) ?? [];
  const until = async (done: () => boolean, ms: number, what: () => string) => {
    const deadline = Date.now() + ms;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`${what()} did not arrive within ${ms} ms`);
      await quietFor(20);
    }
  };
  return {
    publisher: {
      start: () => Promise.resolve(),
      stop: () => Promise.resolve(),
      publish: (stream, payload) => raw(stream, JSON.stringify(payload)),
    },
    subscribe: async (...streams) => {
      await client.subscribeAsync(streams.map(topic), { qos: 1 });
    },
    received,
    publish: (stream, payload, retain) => raw(stream, JSON.stringify(payload), retain),
    raw,
    until,
    waitFor: (stream, count, ms) =>
      until(
        () => received(stream).length >= count,
        ms,
        () => `${count} ${stream} messages (${received(stream).length} so far)`,
      ),
  };
}
