import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connectAsync } from 'mqtt';
import type { PredictionMessage } from '../../src/transports/messages/predictionMessage.js';
import { replayRuns } from '../../src/transports/replay/replay.js';
import { withDeadline } from '../support/deadline.js';
import { service, servicesSkip, uniqueName } from '../support/services.js';
import { saveTinyBundle } from '../support/tinyBundle.js';
import { quietFor } from '../transports/collector.js';
import { NORMALISER, SCHEMA, sample } from '../windows/fixtures.js';
import {
  bedConfig,
  persistentMosquitto,
  promtoolCheck,
  seriesValue,
  startDaemon,
} from './daemonBed.js';
import { mqttMachine } from './mqttMachine.js';
import { expectedWindows, recordedRunAndModel } from './expectedWindows.js';

const MACHINE = 'mill-it';

describe('adaptd daemon over the real mosquitto', { skip: servicesSkip() }, () => {
  it(
    'replays a recorded run: one prediction per window, counts on /metrics that promtool passes',
    { timeout: 120_000 },
    async (t) => {
      const { info, frame, schema, normaliser, bundle } = await recordedRunAndModel(t);
      const prefix = `adaptd-it/${uniqueName('replay')}`;
      const machine = await mqttMachine(t, prefix, MACHINE);
      await machine.subscribe('predictions');
      const { predictions, base } = await startDaemon(
        t,
        bedConfig({
          ADAPTD_MACHINE_ID: MACHINE,
          ADAPTD_MODEL_DIR: bundle.dir,
          ADAPTD_MQTT_URL: service('mqtt'),
          ADAPTD_MQTT_TOPIC_PREFIX: prefix,
          ADAPTD_MQTT_CLIENT_ID: uniqueName('adaptd'),
        }),
      );
      const startMs = Date.now() - 3_600_000;
      const expected = expectedWindows(frame, schema, normaliser, startMs, MACHINE);
      assert.ok(expected.length >= 10, `${expected.length} windows expected`);

      const replay = await replayRuns({
        runs: [info],
        publisher: machine.publisher,
        speed: 'max',
        startMs,
      });
      await predictions.first(expected.length, 60_000, 'predictions');
      await machine.waitFor('predictions', expected.length, 10_000);
      await quietFor(300);

      const published = machine.received('predictions') as PredictionMessage[];
      assert.deepEqual(
        published.map((p) => p.windowStart),
        expected,
      );
      const exposition = await (await fetch(`${base}/metrics`)).text();
      assert.equal(seriesValue(exposition, 'adaptd_windows_total'), expected.length);
      assert.equal(
        seriesValue(exposition, 'adaptd_messages_total{stream="sensors",transport="mqtt"}'),
        replay.sensorMessages,
      );
      assert.equal(
        seriesValue(exposition, 'adaptd_messages_total{stream="gcode",transport="mqtt"}'),
        replay.gcodeMessages,
      );
      assert.equal(seriesValue(exposition, 'adaptd_broker_connected{transport="mqtt"}'), 1);
      assert.equal(seriesValue(exposition, 'adaptd_window_latency_seconds_count'), expected.length);
      const check = await promtoolCheck(exposition);
      assert.equal(check.code, 0, check.output);
    },
  );

  it(
    'counts a batch of bad messages by reason and dead-letters each',
    { timeout: 60_000 },
    async (t) => {
      const bundle = await saveTinyBundle(SCHEMA, NORMALISER);
      t.after(() => bundle.cleanup());
      const prefix = `adaptd-it/${uniqueName('rejects')}`;
      const machine = await mqttMachine(t, prefix, MACHINE);
      await machine.subscribe('deadletter');
      const { base } = await startDaemon(
        t,
        bedConfig({
          ADAPTD_MACHINE_ID: MACHINE,
          ADAPTD_MODEL_DIR: bundle.dir,
          ADAPTD_WINDOW_LENGTH: '16',
          ADAPTD_MQTT_URL: service('mqtt'),
          ADAPTD_MQTT_TOPIC_PREFIX: prefix,
          ADAPTD_MQTT_CLIENT_ID: uniqueName('adaptd'),
          ADAPTD_MESSAGES_MAX_BYTES: '2048',
        }),
      );
      const now = Date.now();
      const bad: Array<[string, string | Buffer]> = [
        ['sensors', '{"ts": '],
        ['sensors', '{"ts": 1, "values": {}}'],
        ['sensors', `{"ts": ${now}, "values": {"spindle": 1e999}}`],
        ['sensors', `{"ts": ${now}, "values": {"spindle": "high"}}`],
        ['gcode', `{"ts": ${now}, "line": -3, "text": "G1"}`],
        ['sensors', Buffer.alloc(4096, 0x20)],
        ['sensors', Buffer.from([0xff, 0xfe, 0x00])],
      ];
      for (const [stream, payload] of bad) await machine.raw(stream, payload);
      await machine.raw('sensors', JSON.stringify({ ...sample(0), ts: now }));
      await machine.waitFor('deadletter', bad.length, 15_000);

      const exposition = await (await fetch(`${base}/metrics`)).text();
      const rejected = (reason: string) =>
        seriesValue(exposition, `adaptd_messages_rejected_total{reason="${reason}"}`);
      assert.deepEqual(
        ['json', 'timestamp', 'non_finite', 'schema', 'too_large', 'encoding'].map(rejected),
        [1, 1, 1, 2, 1, 1],
      );
      assert.equal(
        seriesValue(exposition, 'adaptd_messages_total{stream="sensors",transport="mqtt"}'),
        1,
      );
      const reasons = (machine.received('deadletter') as Array<{ reason: string }>).map(
        (d) => d.reason,
      );
      assert.equal(reasons.filter((r) => r === 'schema').length, 2);
    },
  );

  it(
    'loses no window across a restart with the same client id (QoS 1 held until settled)',
    { timeout: 120_000 },
    async (t) => {
      const bundle = await saveTinyBundle(SCHEMA, NORMALISER);
      t.after(() => bundle.cleanup());
      const prefix = `adaptd-it/${uniqueName('restart')}`;
      const machine = await mqttMachine(t, prefix, MACHINE);
      await machine.subscribe('predictions');
      const config = bedConfig({
        ADAPTD_MACHINE_ID: MACHINE,
        ADAPTD_MODEL_DIR: bundle.dir,
        ADAPTD_WINDOW_LENGTH: '16',
        ADAPTD_WINDOW_STRIDE: '4',
        ADAPTD_MQTT_URL: service('mqtt'),
        ADAPTD_MQTT_TOPIC_PREFIX: prefix,
        ADAPTD_MQTT_CLIENT_ID: uniqueName('adaptd'),
      });
      const base = Date.now() - 600_000;
      const row = (i: number) => ({ ...sample(i), ts: base + 250 * i });
      const first = await startDaemon(t, config);
      for (let i = 0; i < 50; i += 1) await machine.publisher.publish('sensors', row(i));
      // Rows 0..49: windows start at 0, 4, ..., 32.
      await first.predictions.first(9, 30_000, 'predictions before the restart');
      await first.daemon.stop('restart test');

      // Published while no daemon listens: the broker keeps them for the session.
      for (let i = 50; i < 100; i += 1) await machine.publisher.publish('sensors', row(i));
      const second = await startDaemon(t, config);
      // Rows 0..99: windows start at 0, 4, ..., 84: 22 in all.
      await machine.waitFor('predictions', 22, 30_000);
      await quietFor(500);

      const starts = (machine.received('predictions') as PredictionMessage[]).map(
        (p) => p.windowStart,
      );
      const expected = Array.from({ length: 22 }, (_, k) => row(4 * k).ts);
      assert.deepEqual(
        [...starts].sort((a, b) => a - b),
        expected,
      );
      assert.ok(second.predictions.items.length >= 22 - 9);
    },
  );

  it(
    'loses no window when the broker goes away and comes back under a running daemon',
    { timeout: 120_000 },
    async (t) => {
      const bundle = await saveTinyBundle(SCHEMA, NORMALISER);
      t.after(() => bundle.cleanup());
      const broker = await persistentMosquitto(t);
      const prefix = `adaptd-it/${uniqueName('reconnect')}`;
      const {
        daemon,
        predictions,
        base: http,
      } = await startDaemon(
        t,
        bedConfig({
          ADAPTD_MACHINE_ID: MACHINE,
          ADAPTD_MODEL_DIR: bundle.dir,
          ADAPTD_WINDOW_LENGTH: '16',
          ADAPTD_WINDOW_STRIDE: '4',
          ADAPTD_MQTT_URL: broker.url,
          ADAPTD_MQTT_TOPIC_PREFIX: prefix,
          ADAPTD_MQTT_CLIENT_ID: uniqueName('adaptd'),
        }),
      );
      const base = Date.now() - 600_000;
      const row = (i: number) => ({ ...sample(i), ts: base + 250 * i });
      const publish = async (from: number, to: number) => {
        const client = await connectAsync(broker.url, { reconnectPeriod: 0 });
        for (let i = from; i < to; i += 1) {
          await client.publishAsync(`${prefix}/${MACHINE}/sensors`, JSON.stringify(row(i)), {
            qos: 1,
          });
        }
        await client.endAsync();
      };
      await publish(0, 50);
      await predictions.first(9, 30_000, 'predictions before the broker restart');
      await broker.stop();
      try {
        await withDeadline(
          (async () => {
            const connected = async () =>
              (await (await fetch(`${http}/metrics`)).text()).includes(
                'adaptd_broker_connected{transport="mqtt"} 0',
              );
            while (!(await connected())) await quietFor(50);
          })(),
          10_000,
          'the daemon noticing the broker is gone',
        );
        await withDeadline(
          (async () => {
            while ((await fetch(`${http}/readyz`)).status !== 503) await quietFor(50);
          })(),
          5_000,
          'readiness failing without the broker',
        );
        const body = JSON.stringify(await (await fetch(`${http}/readyz`)).json());
        assert.ok(/mqtt broker unreachable for/.test(body), `readiness names the outage: ${body}`);
      } finally {
        // Never leave the broker down: the daemon would wait on it at the end.
        await broker.start();
      }
      await publish(50, 100);
      // Rows 0..99: windows start at rows 0, 4, ..., 84: 22 in all, each published once.
      await predictions.first(22, 60_000, 'predictions after the broker restart');
      await quietFor(500);

      const starts = predictions.items.map((p) => p.window.from);
      assert.deepEqual(
        starts,
        Array.from({ length: 22 }, (_, k) => row(4 * k).ts),
      );
      assert.equal((await fetch(`${http}/readyz`)).status, 200, 'ready again');
      const exposition = await (await fetch(`${http}/metrics`)).text();
      assert.equal(
        seriesValue(exposition, 'adaptd_broker_outages_total{transport="mqtt"}'),
        1,
        'one outage counted',
      );
      // The daemon stops cleanly on the broker it reconnected to.
      await withDeadline(daemon.stop(), 30_000, 'the daemon stopping after the restart');
    },
  );
});
