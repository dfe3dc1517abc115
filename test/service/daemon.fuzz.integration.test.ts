import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { connectAsync } from 'mqtt';
import type { AdaptdConfig } from '../../src/config/loadConfig.js';
import type { Prediction } from '../../src/pipeline/inferenceWorker.js';
import type { DeadLetterMessage } from '../../src/transports/messages/deadLetterMessage.js';
import { withDeadline } from '../support/deadline.js';
import { expectedCounts, fuzzTraffic, type FuzzMessage } from '../support/hostileInput.js';
import { service, servicesSkip, uniqueName } from '../support/services.js';
import { saveTinyBundle } from '../support/tinyBundle.js';
import { quietFor } from '../transports/collector.js';
import { NORMALISER, SCHEMA, sample } from '../windows/fixtures.js';
import { bedConfig, seriesValue, startDaemon } from './daemonBed.js';

const MACHINE = 'mill-fuzz';
const MAX_BYTES = 4096;
const ROWS = 400;
const HOSTILE = Number(process.env.FUZZ_HOSTILE ?? 10_000);
// Rows 0..399, windows of 16 rows every 4: starts at rows 0, 4, ..., 384.
const WINDOWS = (ROWS - 16) / 4 + 1;

/** Numbers rounded, so that predictions scored in other batches compare equal. */
function rounded(value: unknown): unknown {
  if (typeof value === 'number') return Math.round(value * 1e6) / 1e6;
  if (Array.isArray(value)) return value.map(rounded);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rounded(v)]));
  }
  return value;
}

/**
 * Sends the messages in order over QoS 1 from one client (the broker keeps their order) to a
 * fresh daemon and waits for every window and every dead letter it must produce.
 */
async function runThrough(t: TestContext, bundleDir: string, messages: readonly FuzzMessage[]) {
  const prefix = `adaptd-fuzz/${uniqueName('p')}`;
  const config: AdaptdConfig = bedConfig({
    ADAPTD_MACHINE_ID: MACHINE,
    ADAPTD_MODEL_DIR: bundleDir,
    ADAPTD_WINDOW_LENGTH: '16',
    ADAPTD_WINDOW_STRIDE: '4',
    ADAPTD_MQTT_URL: service('mqtt'),
    ADAPTD_MQTT_TOPIC_PREFIX: prefix,
    ADAPTD_MQTT_CLIENT_ID: uniqueName('adaptd'),
    ADAPTD_MESSAGES_MAX_BYTES: String(MAX_BYTES),
  });
  const before = JSON.stringify(config);
  const client = await connectAsync(service('mqtt'), {
    clientId: uniqueName('machine'),
    reconnectPeriod: 0,
  });
  t.after(() => client.endAsync(true));
  const deadLetters: DeadLetterMessage[] = [];
  client.on('message', (_topic, payload) => {
    deadLetters.push(JSON.parse(payload.toString('utf8')) as DeadLetterMessage);
  });
  await client.subscribeAsync(`${prefix}/${MACHINE}/deadletter`, { qos: 1 });
  const running = await startDaemon(t, config);
  const rejects = Object.values(expectedCounts(messages).rejects).reduce((a, b) => a + b, 0);

  const started = performance.now();
  for (let at = 0; at < messages.length; at += 200) {
    await Promise.all(
      messages
        .slice(at, at + 200)
        .map(({ stream, payload }) =>
          client.publishAsync(`${prefix}/${MACHINE}/${stream}`, payload, { qos: 1 }),
        ),
    );
  }
  await running.predictions.first(WINDOWS, 120_000, 'predictions');
  await withDeadline(
    (async () => {
      while (deadLetters.length < rejects) await quietFor(50);
    })(),
    120_000,
    `${rejects} dead letters (${deadLetters.length} so far)`,
  );
  const seconds = (performance.now() - started) / 1000;
  await quietFor(500);
  const exposition = await (await fetch(`${running.base}/metrics`)).text();
  assert.equal(JSON.stringify(config), before, 'no message changed the configuration');
  return { predictions: running.predictions.items, deadLetters, exposition, seconds };
}

describe(
  'adaptd daemon under hostile input over the real mosquitto',
  { skip: servicesSkip() },
  () => {
    it(
      'counts and dead-letters 10,000 bad messages by reason and predicts as on a clean run',
      { timeout: 300_000 },
      async (t) => {
        const bundle = await saveTinyBundle(SCHEMA, NORMALISER);
        t.after(() => bundle.cleanup());
        const options = {
          rows: ROWS,
          base: Date.now() - 3_600_000,
          now: Date.now(),
          maxBytes: MAX_BYTES,
          values: (i: number) => sample(i).values,
        };
        const clean = await runThrough(t, bundle.dir, fuzzTraffic({ ...options, hostile: 0 }));
        const traffic = fuzzTraffic({ ...options, hostile: HOSTILE, seed: 11 });
        const fuzzed = await runThrough(t, bundle.dir, traffic);
        const want = expectedCounts(traffic);

        const view = (items: readonly Prediction[]) =>
          items.map((p) => rounded({ from: p.window.from, ...p.payload }));
        assert.equal(clean.predictions.length, WINDOWS);
        assert.equal(fuzzed.predictions.length, WINDOWS, 'no extra window');
        assert.deepEqual(view(fuzzed.predictions), view(clean.predictions));

        const rejected = (reason: string) =>
          seriesValue(fuzzed.exposition, `adaptd_messages_rejected_total{reason="${reason}"}`);
        for (const [reason, count] of Object.entries(want.rejects)) {
          assert.equal(rejected(reason), count, `${reason} rejects counted`);
          assert.equal(
            fuzzed.deadLetters.filter((d) => d.reason === reason).length,
            count,
            `${reason} rejects dead-lettered`,
          );
        }
        for (const [outcome, count] of Object.entries(want.rows)) {
          assert.equal(
            seriesValue(fuzzed.exposition, `adaptd_rows_total{outcome="${outcome}"}`),
            count,
            `${outcome} rows counted`,
          );
        }
        assert.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype polluted');
        const hostile = traffic.filter((m) => m.expect.kind !== 'valid').length;
        assert.ok(hostile >= HOSTILE, `${hostile} hostile messages`);
        t.diagnostic(
          `${traffic.length} messages (${hostile} hostile) in ${fuzzed.seconds.toFixed(1)} s: ` +
            `${Math.round(traffic.length / fuzzed.seconds)} messages/s through the daemon`,
        );
        t.diagnostic(`rejects by reason: ${JSON.stringify(want.rejects)}`);
        t.diagnostic(`row outcomes: ${JSON.stringify(want.rows)}`);
      },
    );
  },
);
