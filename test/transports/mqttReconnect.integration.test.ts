import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as open } from 'mqtt';
import { silentLogger } from '../../src/log.js';
import { MqttTopics } from '../../src/transports/messages/topics.js';
import type { InputEvent } from '../../src/transports/inputSource.js';
import { MqttInput } from '../../src/transports/mqtt/mqttInput.js';
import { withDeadline } from '../support/deadline.js';
import { service, servicesSkip, uniqueName } from '../support/services.js';
import { Collector } from './collector.js';

const NOW = Date.UTC(2026, 0, 5, 8, 0, 0);

/** Resolves once `condition` holds, checking every 20 ms, or fails after `ms` naming `what`. */
async function until(condition: () => boolean, ms: number, what: string): Promise<void> {
  await withDeadline(
    (async () => {
      while (!condition()) await new Promise((resolve) => setTimeout(resolve, 20));
    })(),
    ms,
    what,
  );
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A private mosquitto; a persistent one saves its sessions to disk, so they survive a restart. */
class PrivateBroker {
  private process: ChildProcess | undefined;

  constructor(
    private readonly dir: string,
    readonly port: number,
    private readonly persistent: boolean,
  ) {}

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const conf = join(this.dir, 'mosquitto.conf');
    await writeFile(
      conf,
      [
        `listener ${this.port} 127.0.0.1`,
        'allow_anonymous true',
        `persistence ${this.persistent}`,
        `persistence_location ${this.dir}/`,
        'log_dest none',
      ].join('\n') + '\n',
    );
    const child = spawn(service('mosquitto'), ['-c', conf], { stdio: 'ignore' });
    this.process = child;
    // Ready once a client can connect.
    await withDeadline(
      (async () => {
        for (;;) {
          const probe = open(this.url, { reconnectPeriod: 0, connectTimeout: 500 });
          const up = await new Promise<boolean>((resolve) => {
            probe.once('connect', () => resolve(true));
            probe.once('error', () => resolve(false));
            probe.once('close', () => resolve(false));
          });
          await probe.endAsync(true);
          if (up) return;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      })(),
      15_000,
      'the private mosquitto accepting connections',
    );
  }

  /** Stops the broker; SIGTERM makes mosquitto write its sessions to disk first. */
  async stop(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await withDeadline(exited, 10_000, 'mosquitto exiting');
  }
}

async function privateBroker(t: TestContext, persistent: boolean): Promise<PrivateBroker> {
  const dir = await mkdtemp(join(tmpdir(), 'adaptd-mosquitto-'));
  // Started as root, mosquitto drops to its own user, which must be able to save sessions here.
  await chmod(dir, 0o777);
  const broker = new PrivateBroker(dir, await freePort(), persistent);
  t.after(async () => {
    await broker.stop();
    await rm(dir, { recursive: true, force: true });
  });
  await broker.start();
  return broker;
}

/** A started input on `broker` and a way to publish G-code lines to it. */
async function inputOn(t: TestContext, broker: PrivateBroker) {
  const topics = new MqttTopics(`adaptd-test/${uniqueName('restart')}`, 'mill-2');
  const source = new MqttInput({
    connection: { url: broker.url, connectTimeoutMs: 2_000, reconnectMinMs: 100 },
    clientId: uniqueName('adaptd-input'),
    topics,
    sessionExpirySeconds: 300,
    logger: silentLogger,
    now: () => NOW,
  });
  const events = new Collector(source.events$);
  t.after(() => source.stop());
  await source.start();
  const publish = async (line: number) => {
    const publisher = open(broker.url, { reconnectPeriod: 0 });
    await withDeadline(new Promise((r) => publisher.once('connect', r)), 5_000, 'CONNACK');
    await publisher.publishAsync(
      topics.topic('gcode'),
      JSON.stringify({ ts: NOW + line, line, text: `N${line}` }),
      { qos: 1 },
    );
    await publisher.endAsync();
  };
  return { source, events, publish };
}

const lineOf = (event: InputEvent) => (event.stream === 'gcode' ? event.payload.line : -1);

describe('MqttInput across a broker restart', { skip: servicesSkip() }, () => {
  it(
    'reconnects by itself and gets its unsettled messages again, then new ones',
    { timeout: 60_000 },
    async (t) => {
      const broker = await privateBroker(t, true);
      const { source, events, publish } = await inputOn(t, broker);
      await publish(1);
      await publish(2);
      const before = await events.first(2, 10_000, 'lines before the restart');
      await before[0]?.settle();

      await broker.stop();
      await until(() => !source.isConnected(), 10_000, 'the input noticing the broker is gone');
      await broker.start();
      await publish(3);

      const all = await events.first(4, 20_000, 'the unsettled line again and the new one');
      assert.deepEqual(all.map(lineOf), [1, 2, 2, 3]);
      assert.equal(source.isConnected(), true);
    },
  );

  it(
    'subscribes again when the broker comes back without the session',
    { timeout: 60_000 },
    async (t) => {
      const broker = await privateBroker(t, false);
      const { source, events, publish } = await inputOn(t, broker);
      await publish(1);
      await events.first(1, 10_000, 'the line before the restart');

      await broker.stop();
      await until(() => !source.isConnected(), 10_000, 'the input noticing the broker is gone');
      await broker.start();
      await until(() => source.isConnected(), 10_000, 'the input reconnecting');
      await publish(2);

      // Line 1 was never acknowledged, but the broker that held it is gone with its session.
      const all = await events.first(2, 20_000, 'the line published after the restart');
      assert.deepEqual(all.map(lineOf), [1, 2]);
    },
  );
});
