import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { AdaptdConfig } from '../../src/config/loadConfig.js';
import { createLogger } from '../../src/log.js';
import { Daemon } from '../../src/service/daemon.js';
import { createTransports } from '../../src/service/transports.js';
import { makeCertificates, type TestCertificates } from '../support/certificates.js';
import { withDeadline } from '../support/deadline.js';
import { privateKafka, type PrivateKafka } from '../support/privateKafka.js';
import { servicesSkip, uniqueName } from '../support/services.js';
import { saveTinyBundle } from '../support/tinyBundle.js';
import { Collector, quietFor } from '../transports/collector.js';
import { NORMALISER, SCHEMA, sample } from '../windows/fixtures.js';
import { bedConfig, seriesValue } from './daemonBed.js';
import { kafkaMachine } from './kafkaMachine.js';

const MACHINE = 'mill-kafka-sec';
const USER = 'adaptd';
// Distinctive, so that a search of the logs cannot miss it.
const PASSWORD = 'kpw-51e0c2b8-never-log-me';

/** A daemon whose JSON log lines (debug and up) are kept in memory. */
function loggedDaemon(t: TestContext, config: AdaptdConfig) {
  const sink = new PassThrough();
  let text = '';
  sink.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  const daemon = new Daemon({
    config,
    logger: createLogger({ level: 'debug', machineId: MACHINE, destination: sink }),
    version: 'integration',
    transports: createTransports,
    defaultMetrics: false,
  });
  const predictions = new Collector(daemon.predictions$);
  t.after(() => daemon.stop());
  return {
    daemon,
    predictions,
    log: () => text,
    get base() {
      return `http://127.0.0.1:${daemon.httpAddress().port}`;
    },
    metrics: async () =>
      (await fetch(`http://127.0.0.1:${daemon.httpAddress().port}/metrics`)).text(),
  };
}

const ROW_MS = 250;
const rowsOf = (base: number, from: number, to: number) =>
  Array.from({ length: to - from }, (_, k) => ({
    ...sample(from + k),
    ts: base + ROW_MS * (from + k),
  }));

describe('adaptd daemon over a private Kafka broker', { skip: servicesSkip() }, () => {
  let certs: TestCertificates;
  let broker: PrivateKafka;
  let bundleDir: string;
  const cleanups: Array<() => unknown> = [];
  const hooks = { after: (fn: () => unknown) => void cleanups.push(fn) };

  before(async () => {
    certs = await makeCertificates(hooks);
    broker = await privateKafka({ certificates: certs, users: { [USER]: PASSWORD } });
    cleanups.push(() => broker.close());
    const bundle = await saveTinyBundle(SCHEMA, NORMALISER);
    cleanups.push(() => bundle.cleanup());
    bundleDir = bundle.dir;
  });

  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  const config = (prefix: string, extra: Record<string, string>) =>
    bedConfig({
      ADAPTD_MACHINE_ID: MACHINE,
      ADAPTD_MODEL_DIR: bundleDir,
      ADAPTD_WINDOW_LENGTH: '16',
      ADAPTD_WINDOW_STRIDE: '4',
      ADAPTD_KAFKA_TOPIC_PREFIX: prefix,
      ADAPTD_KAFKA_GROUP_ID: uniqueName('adaptd'),
      ADAPTD_KAFKA_FROM_BEGINNING: 'true',
      ...extra,
    });

  /** 30 rows in, 4 windows out: each arrives on the daemon and on the predictions topic. */
  async function serves(t: TestContext, prefix: string, settings: Record<string, string>) {
    const machine = await kafkaMachine(t, { brokers: broker.plaintext, prefix, machine: MACHINE });
    const running = loggedDaemon(t, config(prefix, settings));
    await running.daemon.start();
    await machine.produce('sensors', rowsOf(Date.now() - 60_000, 0, 30));
    await running.predictions.first(4, 60_000, 'predictions over TLS');
    await machine.waitFor(4, 60_000);
    await running.daemon.stop('test done');
    assert.ok(running.log().includes('kafka connected'), 'the captured log has the Kafka lines');
    assert.ok(!running.log().includes(PASSWORD), 'the password appears in no log line');
  }

  it('consumes and produces over SASL_SSL with PLAIN, the password from a file', async (t) => {
    const file = join(certs.dir, 'kafka-password');
    await writeFile(file, `${PASSWORD}\n`, { mode: 0o600 });
    await serves(t, uniqueName('plain'), {
      ADAPTD_KAFKA_BROKERS: broker.saslSsl,
      ADAPTD_KAFKA_TLS: 'true',
      ADAPTD_KAFKA_CA_FILE: certs.ca,
      ADAPTD_KAFKA_SASL_MECHANISM: 'plain',
      ADAPTD_KAFKA_SASL_USERNAME: USER,
      ADAPTD_KAFKA_SASL_PASSWORD_FILE: file,
    });
  });

  it('consumes and produces over SASL_SSL with SCRAM-SHA-512, the password from the environment', async (t) => {
    await serves(t, uniqueName('scram'), {
      ADAPTD_KAFKA_BROKERS: broker.saslSsl,
      ADAPTD_KAFKA_TLS: 'true',
      ADAPTD_KAFKA_CA_FILE: certs.ca,
      ADAPTD_KAFKA_SASL_MECHANISM: 'scram-sha-512',
      ADAPTD_KAFKA_SASL_USERNAME: USER,
      ADAPTD_KAFKA_SASL_PASSWORD: PASSWORD,
    });
  });

  it('consumes and produces over SSL with a client certificate', async (t) => {
    await serves(t, uniqueName('mtls'), {
      ADAPTD_KAFKA_BROKERS: broker.ssl,
      ADAPTD_KAFKA_TLS: 'true',
      ADAPTD_KAFKA_CA_FILE: certs.ca,
      ADAPTD_KAFKA_CERT_FILE: certs.clientCert,
      ADAPTD_KAFKA_KEY_FILE: certs.clientKey,
    });
  });

  it('is refused with a wrong password and without a client certificate', async (t) => {
    const attempts: Array<[string, Record<string, string>, RegExp]> = [
      [
        'wrong password',
        {
          ADAPTD_KAFKA_BROKERS: broker.saslSsl,
          ADAPTD_KAFKA_TLS: 'true',
          ADAPTD_KAFKA_CA_FILE: certs.ca,
          ADAPTD_KAFKA_SASL_MECHANISM: 'scram-sha-512',
          ADAPTD_KAFKA_SASL_USERNAME: USER,
          ADAPTD_KAFKA_SASL_PASSWORD: `${PASSWORD}x`,
        },
        /authentication failed/,
      ],
      [
        'no client certificate',
        {
          ADAPTD_KAFKA_BROKERS: broker.ssl,
          ADAPTD_KAFKA_TLS: 'true',
          ADAPTD_KAFKA_CA_FILE: certs.ca,
        },
        /bad certificate|certificate required/,
      ],
    ];
    for (const [what, settings, cause] of attempts) {
      const running = loggedDaemon(t, config(uniqueName('refused'), settings));
      await assert.rejects(
        running.daemon.start(),
        (error: unknown) =>
          (error as { code?: string }).code === 'BROKER_UNAVAILABLE' &&
          cause.test((error as Error).message),
        `${what}: start fails with BROKER_UNAVAILABLE`,
      );
      assert.ok(!running.log().includes(PASSWORD), `${what}: the password appears in no log line`);
    }
  });

  it(
    'processes every record exactly once when the broker stops and restarts mid-stream',
    { timeout: 300_000 },
    async (t) => {
      const prefix = uniqueName('restart');
      const machine = await kafkaMachine(t, {
        brokers: broker.plaintext,
        prefix,
        machine: MACHINE,
      });
      const running = loggedDaemon(t, config(prefix, { ADAPTD_KAFKA_BROKERS: broker.plaintext }));
      await running.daemon.start();
      const base = Date.now() - 600_000;
      await machine.produce('gcode', [{ ts: base, line: 7, text: 'G1 X1 F20' }]);
      await machine.produce('sensors', rowsOf(base, 0, 50));
      // Rows 0..49: windows start at rows 0, 4, ..., 32.
      await running.predictions.first(9, 60_000, 'predictions before the broker stops');
      await broker.stop();
      const connected = async () =>
        seriesValue(await running.metrics(), 'adaptd_broker_connected{transport="kafka"}');
      const readiness = async () => {
        const response = await fetch(`${running.base}/readyz`);
        return { status: response.status, body: JSON.stringify(await response.json()) };
      };
      let unready: { status: number; body: string };
      try {
        await withDeadline(
          (async () => {
            while ((await connected()) !== 0) await quietFor(200);
          })(),
          60_000,
          'the daemon reporting the broker gone',
        );
        await withDeadline(
          (async () => {
            while ((unready = await readiness()).status !== 503) await quietFor(100);
          })(),
          5_000,
          'readiness failing without the broker',
        );
      } finally {
        // Never leave the broker down: the daemon and clients would wait on it at the end.
        await broker.start();
      }
      assert.ok(
        /kafka broker unreachable for/.test(unready!.body),
        `readiness names the outage: ${unready!.body}`,
      );
      await machine.produce('sensors', rowsOf(base, 50, 100));
      // Rows 0..99: windows start at rows 0, 4, ..., 84: 22 in all.
      await running.predictions.first(22, 120_000, 'predictions after the broker restarts');
      await machine.waitFor(22, 60_000);
      await quietFor(2_000);

      const expected = Array.from({ length: 22 }, (_, k) => base + ROW_MS * 4 * k);
      assert.deepEqual(
        running.predictions.items.map((p) => p.window.from),
        expected,
        'each window scored once, in order',
      );
      const published = machine.predictions.map((p) => p.windowStart);
      assert.deepEqual(
        [...new Set(published)].sort((a, b) => a - b),
        expected,
        'every window published',
      );
      // The restarted consumer still knew the G-code line: its record was not committed early.
      assert.equal(running.predictions.items.at(-1)?.payload.gcodeLine, 7);
      assert.equal(await connected(), 1, 'the daemon reports the broker back');
      assert.equal((await fetch(`${running.base}/readyz`)).status, 200, 'ready again');
      const exposition = await running.metrics();
      assert.equal(
        seriesValue(exposition, 'adaptd_broker_outages_total{transport="kafka"}'),
        1,
        'one outage counted',
      );
      const outage = seriesValue(
        exposition,
        'adaptd_broker_outage_seconds_total{transport="kafka"}',
      );
      assert.ok((outage ?? 0) > 0, `the outage's length counted: ${outage} s`);
      await withDeadline(
        (async () => {
          while (!machine.received('events').some((e) => e.kind === 'broker.recovered')) {
            await quietFor(200);
          }
        })(),
        30_000,
        'the outage event on the events topic',
      );
      const back = machine
        .received('status')
        .filter((s) => /kafka broker back/.test(s.reason ?? ''));
      assert.equal(back.at(-1)?.state, 'online', 'the status topic says the broker is back');
    },
  );
});
