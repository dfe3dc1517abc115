import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { makeCertificates } from '../support/certificates.js';
import { service, servicesSkip } from '../support/services.js';
import { withDeadline } from '../support/deadline.js';
import { runTool } from './runTool.js';

const USERS = { 'adaptd-mill-1': 'daemon-pw', 'machine-mill-1': 'machine-pw', operator: 'op-pw' };
type User = keyof typeof USERS;

async function must(command: string, args: string[], cwd: string): Promise<void> {
  const result = await runTool(command, args, { cwd });
  assert.equal(result.code, 0, `${command} ${args.join(' ')}: ${result.stderr}`);
}

/** deploy/mosquitto's config with its paths moved into `dir` and the listener on `port`. */
async function localConfig(dir: string, port: number): Promise<string> {
  const text = (await readFile('deploy/mosquitto/mosquitto.conf', 'utf8'))
    .replaceAll('/etc/mosquitto/certs/', `${dir}/`)
    .replaceAll('/etc/mosquitto/', `${dir}/`)
    .replace('/var/lib/mosquitto/', `${dir}/`)
    .replace(/^listener 8883$/m, `listener ${port} 127.0.0.1`);
  assert.doesNotMatch(text, /\/etc\/|\/var\//, 'a path of the config was not moved');
  const path = join(dir, 'mosquitto.conf');
  // Run as root here, mosquitto would switch to its own user, which cannot read the temp dir.
  await writeFile(path, `user root\nlog_dest stdout\n${text}`);
  return path;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('deploy/mosquitto with the real broker', { skip: servicesSkip() }, () => {
  let dir: string;
  let broker: ChildProcess;
  let url: string;
  let ca: Buffer;

  const cleanups: Array<() => unknown> = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'adaptd-mosquitto-'));
    const certificates = await makeCertificates({ after: (fn) => cleanups.push(fn) });
    for (const file of ['ca.crt', 'server.crt', 'server.key']) {
      await copyFile(join(certificates.dir, file), join(dir, file));
    }
    await must('cp', ['deploy/mosquitto/adaptd.acl', join(dir, 'adaptd.acl')], process.cwd());
    for (const [user, password] of Object.entries(USERS)) {
      const create = user === 'adaptd-mill-1' ? ['-c'] : [];
      await must('mosquitto_passwd', ['-b', ...create, join(dir, 'passwd'), user, password], dir);
    }
    const port = await freePort();
    broker = spawn(service('mosquitto'), ['-c', await localConfig(dir, port)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    broker.stdout!.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
    broker.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
    await withDeadline(
      (async () => {
        while (!(await portOpen(port))) {
          if (broker.exitCode !== null) throw new Error(`mosquitto exited:\n${log}`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      })(),
      10_000,
      'mosquitto listening',
    );
    url = `mqtts://127.0.0.1:${port}`;
    ca = await readFile(join(dir, 'ca.crt'));
  });

  after(async () => {
    // mosquitto writes its persistence file as it exits: the folder goes once it has.
    if (broker !== undefined && broker.exitCode === null && broker.signalCode === null) {
      const exited = new Promise((resolve) => broker.once('exit', resolve));
      broker.kill();
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
    for (const cleanup of cleanups) await cleanup();
  });

  function options(user?: User, password?: string): IClientOptions {
    return {
      ca,
      protocolVersion: 5,
      reconnectPeriod: 0,
      connectTimeout: 5000,
      ...(user === undefined ? {} : { username: user, password: password ?? USERS[user] }),
    };
  }

  async function client(t: TestContext, user: User): Promise<MqttClient> {
    const connected = await connectAsync(url, options(user));
    t.after(() => connected.endAsync(true));
    return connected;
  }

  it('refuses anonymous clients and wrong passwords', { timeout: 30_000 }, async () => {
    await assert.rejects(connectAsync(url, options()), /Not authorized|Bad User Name or Password/);
    await assert.rejects(
      connectAsync(url, options('operator', 'guess')),
      /Not authorized|Bad User Name or Password/,
    );
  });

  it('talks only TLS, with a certificate the CA signed', { timeout: 30_000 }, async () => {
    await assert.rejects(
      connectAsync(url.replace('mqtts:', 'mqtt:'), {
        ...options('operator'),
        connectTimeout: 2000,
      }),
    );
    await assert.rejects(
      connectAsync(url, { ...options('operator'), ca: undefined }),
      /certificate/,
    );
  });

  it(
    'lets each user reach only its machine and its side of each stream',
    { timeout: 30_000 },
    async (t) => {
      const daemon = await client(t, 'adaptd-mill-1');
      const machine = await client(t, 'machine-mill-1');
      const operator = await client(t, 'operator');

      // mosquitto 2.0 grants every subscription and checks read access on delivery.
      await daemon.subscribeAsync(
        ['adaptd/mill-1/sensors', 'adaptd/mill-1/commands', 'adaptd/mill-2/commands'],
        { qos: 1 },
      );
      await daemon.subscribeAsync('adaptd/mill-1/predictions', { qos: 1 });
      const received: string[] = [];
      daemon.on('message', (topic, payload) => received.push(`${topic} ${payload.toString()}`));
      const denied = /Not authorized|135/;

      await operator.publishAsync('adaptd/mill-2/commands', 'other machine', { qos: 1 });
      await daemon.publishAsync('adaptd/mill-1/predictions', 'own output', { qos: 1 });
      await assert.rejects(machine.publishAsync('adaptd/mill-1/commands', 'x', { qos: 1 }), denied);
      await assert.rejects(operator.publishAsync('adaptd/mill-1/sensors', 'x', { qos: 1 }), denied);
      await assert.rejects(
        daemon.publishAsync('adaptd/mill-2/predictions', 'x', { qos: 1 }),
        denied,
      );
      await assert.rejects(daemon.publishAsync('adaptd/mill-1/sensors', 'x', { qos: 1 }), denied);
      await machine.publishAsync('adaptd/mill-1/sensors', 'row', { qos: 1 });
      // The broker handles publishes in order, so once this arrives nothing earlier is pending.
      await operator.publishAsync('adaptd/mill-1/commands', 'command', { qos: 1 });
      await withDeadline(
        (async () => {
          while (!received.includes('adaptd/mill-1/commands command')) {
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
        })(),
        5000,
        'the operator command',
      );

      assert.deepEqual(received, ['adaptd/mill-1/sensors row', 'adaptd/mill-1/commands command']);
    },
  );
});
