import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { connectAsync } from 'mqtt';
import type { AdaptdConfig } from '../../src/config/loadConfig.js';
import { createLogger } from '../../src/log.js';
import { Daemon } from '../../src/service/daemon.js';
import { createTransports } from '../../src/service/transports.js';
import { makeCertificates, type TestCertificates } from '../support/certificates.js';
import { withDeadline } from '../support/deadline.js';
import { service, servicesSkip, uniqueName } from '../support/services.js';
import { saveTinyBundle } from '../support/tinyBundle.js';
import { Collector } from '../transports/collector.js';
import { NORMALISER, SCHEMA, sample } from '../windows/fixtures.js';
import { bedConfig } from './daemonBed.js';

const MACHINE = 'mill-tls';
const USER = 'adaptd-mill-tls';
// Distinctive, so that a search of the logs cannot miss it.
const PASSWORD = 'pw-9f3c1e7a-never-log-me';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * A private mosquitto with two TLS listeners: one wants a user name and password, the other a
 * client certificate signed by the test CA (its common name becomes the user name). Neither
 * takes anonymous clients.
 */
async function tlsMosquitto(t: { after: (fn: () => unknown) => void }, certs: TestCertificates) {
  const passwd = join(certs.dir, 'passwd');
  await promisify(execFile)('mosquitto_passwd', ['-b', '-c', passwd, USER, PASSWORD]);
  const [passwordPort, certificatePort] = [await freePort(), await freePort()];
  const tls = `cafile ${certs.ca}\ncertfile ${certs.serverCert}\nkeyfile ${certs.serverKey}\n`;
  const conf = join(certs.dir, 'mosquitto.conf');
  await writeFile(
    conf,
    'user root\nper_listener_settings true\npersistence false\nlog_dest stdout\n' +
      `listener ${passwordPort} 127.0.0.1\n${tls}allow_anonymous false\n` +
      `password_file ${passwd}\n` +
      `listener ${certificatePort} 127.0.0.1\n${tls}require_certificate true\n` +
      'use_identity_as_username true\nallow_anonymous false\n',
  );
  const broker = spawn(service('mosquitto'), ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  broker.stdout.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
  broker.stderr.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
  t.after(() => {
    broker.kill('SIGTERM');
  });
  const ca = await readFile(certs.ca);
  const passwordUrl = `mqtts://127.0.0.1:${passwordPort}`;
  await withDeadline(
    (async () => {
      for (;;) {
        if (broker.exitCode !== null) throw new Error(`mosquitto exited:\n${log}`);
        const up = await connectAsync(passwordUrl, {
          ca,
          username: USER,
          password: PASSWORD,
          reconnectPeriod: 0,
          connectTimeout: 1000,
        }).then(
          (client) => client.endAsync().then(() => true),
          () => false,
        );
        if (up) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })(),
    15_000,
    'the TLS mosquitto accepting connections',
  );
  return { passwordUrl, certificateUrl: `mqtts://127.0.0.1:${certificatePort}`, ca };
}

/** A daemon whose JSON log lines (debug and up) are kept in memory. */
function loggedDaemon(t: TestContext, config: AdaptdConfig) {
  const sink = new PassThrough();
  let text = '';
  sink.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  const logger = createLogger({ level: 'debug', machineId: MACHINE, destination: sink });
  const daemon = new Daemon({
    config,
    logger,
    version: 'integration',
    transports: createTransports,
    defaultMetrics: false,
  });
  const predictions = new Collector(daemon.predictions$);
  t.after(() => daemon.stop());
  return { daemon, predictions, log: () => text };
}

describe('adaptd daemon over mosquitto with TLS', { skip: servicesSkip() }, () => {
  let certs: TestCertificates;
  let broker: Awaited<ReturnType<typeof tlsMosquitto>>;
  let bundleDir: string;

  const cleanups: Array<() => unknown> = [];
  const hooks = { after: (fn: () => unknown) => void cleanups.push(fn) };

  before(async () => {
    certs = await makeCertificates(hooks);
    broker = await tlsMosquitto(hooks, certs);
    const bundle = await saveTinyBundle(SCHEMA, NORMALISER);
    cleanups.push(() => bundle.cleanup());
    bundleDir = bundle.dir;
  });

  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  const base = (url: string, extra: Record<string, string>) =>
    bedConfig({
      ADAPTD_MACHINE_ID: MACHINE,
      ADAPTD_MODEL_DIR: bundleDir,
      ADAPTD_WINDOW_LENGTH: '16',
      ADAPTD_WINDOW_STRIDE: '4',
      ADAPTD_MQTT_URL: url,
      ADAPTD_MQTT_CLIENT_ID: uniqueName('adaptd'),
      ADAPTD_MQTT_TOPIC_PREFIX: `adaptd-tls/${uniqueName('p')}`,
      ADAPTD_MQTT_CA_FILE: certs.ca,
      ...extra,
    });

  /** Publishes 30 rows over the password listener and waits for the daemon's windows. */
  async function serves(config: AdaptdConfig, predictions: Collector<unknown>) {
    const client = await connectAsync(broker.passwordUrl, {
      ca: broker.ca,
      username: USER,
      password: PASSWORD,
      reconnectPeriod: 0,
    });
    const start = Date.now() - 60_000;
    for (let i = 0; i < 30; i += 1) {
      await client.publishAsync(
        `${config.mqtt.topicPrefix}/${MACHINE}/sensors`,
        JSON.stringify({ ...sample(i), ts: start + 250 * i }),
        { qos: 1 },
      );
    }
    await client.endAsync();
    // Rows 0..29 with length 16, stride 4: windows at rows 0, 4, 8, 12.
    await predictions.first(4, 30_000, 'predictions over TLS');
  }

  it(
    'connects with a password read from a file and never logs it',
    { timeout: 60_000 },
    async (t) => {
      const file = join(certs.dir, 'mqtt-password');
      await writeFile(file, `${PASSWORD}\n`, { mode: 0o600 });
      const config = base(broker.passwordUrl, {
        ADAPTD_MQTT_USERNAME: USER,
        ADAPTD_MQTT_PASSWORD_FILE: file,
      });
      const { daemon, predictions, log } = loggedDaemon(t, config);
      await daemon.start();
      // No http.host given: /metrics and the health endpoints answer on loopback only.
      assert.equal(daemon.httpAddress().host, '127.0.0.1');
      await serves(config, predictions);
      await daemon.stop('test done');
      assert.ok(log().includes('daemon ready'), 'the captured log has the daemon lines');
      assert.ok(!log().includes(PASSWORD), 'the password appears in no log line');
    },
  );

  it(
    'connects with the password from the environment and never logs it',
    { timeout: 60_000 },
    async (t) => {
      const config = base(broker.passwordUrl, {
        ADAPTD_MQTT_USERNAME: USER,
        ADAPTD_MQTT_PASSWORD: PASSWORD,
      });
      const { daemon, predictions, log } = loggedDaemon(t, config);
      await daemon.start();
      await serves(config, predictions);
      await daemon.stop('test done');
      assert.ok(log().includes('daemon ready'), 'the captured log has the daemon lines');
      assert.ok(!log().includes(PASSWORD), 'the password appears in no log line');
    },
  );

  it('connects with a client certificate instead of a password', { timeout: 60_000 }, async (t) => {
    const config = base(broker.certificateUrl, {
      ADAPTD_MQTT_CERT_FILE: certs.clientCert,
      ADAPTD_MQTT_KEY_FILE: certs.clientKey,
    });
    const { daemon, predictions } = loggedDaemon(t, config);
    await daemon.start();
    await serves(config, predictions);
  });

  it(
    'is refused without credentials, with a wrong password and with a stranger certificate',
    { timeout: 60_000 },
    async (t) => {
      const attempts: Array<[string, AdaptdConfig, RegExp]> = [
        ['no password', base(broker.passwordUrl, { ADAPTD_MQTT_USERNAME: USER }), /Not authorized/],
        ['no user', base(broker.passwordUrl, {}), /Not authorized/],
        [
          'wrong password',
          base(broker.passwordUrl, {
            ADAPTD_MQTT_USERNAME: USER,
            ADAPTD_MQTT_PASSWORD: `${PASSWORD}x`,
          }),
          /Not authorized/,
        ],
        ['no certificate', base(broker.certificateUrl, {}), /certificate required/],
        [
          'certificate of another CA',
          base(broker.certificateUrl, {
            ADAPTD_MQTT_CERT_FILE: certs.strangerCert,
            ADAPTD_MQTT_KEY_FILE: certs.strangerKey,
          }),
          /unknown ca/,
        ],
        // Without the CA the daemon does not trust the broker either.
        [
          'untrusted broker',
          base(broker.passwordUrl, {
            ADAPTD_MQTT_USERNAME: USER,
            ADAPTD_MQTT_PASSWORD: PASSWORD,
            ADAPTD_MQTT_CA_FILE: '',
          }),
          /self-signed certificate/,
        ],
      ];
      for (const [what, config, cause] of attempts) {
        const { daemon, log } = loggedDaemon(t, config);
        await assert.rejects(
          daemon.start(),
          (error: unknown) =>
            (error as { code?: string }).code === 'BROKER_UNAVAILABLE' &&
            cause.test((error as Error).message),
          `${what}: start fails with BROKER_UNAVAILABLE`,
        );
        assert.ok(!log().includes(PASSWORD), `${what}: the password appears in no log line`);
      }
    },
  );
});
