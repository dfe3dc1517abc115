import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { parseDriftDocument } from '../../src/drift/driftDocument.js';
import { defaultDataDir, listRuns } from '../../src/data/runCatalog.js';
import type { RunFrame } from '../../src/data/runFrame.js';
import { readRun } from '../../src/data/runReader.js';
import type { SensorSample } from '../../src/transports/messages/sensorMessage.js';
import { runSteps } from '../../src/transports/replay/runMessages.js';
import { withDeadline } from '../support/deadline.js';
import { service, servicesSkip, uniqueName } from '../support/services.js';
import { quietFor } from '../transports/collector.js';
import { bedConfig, promtoolCheck, seriesValue, startDaemon } from './daemonBed.js';
import { mqttMachine, type MqttMachine } from './mqttMachine.js';

const MACHINE = 'mill-drift';
const MODEL = 'models/s1-standard';

/**
 * Publishes a run as the machine would, rows stamped from `startTs`, 32 rows a message;
 * `transform` may change each sample (a shifted sensor). Returns the last row's time.
 */
async function replay(
  machine: MqttMachine,
  frame: RunFrame,
  startTs: number,
  transform = (s: SensorSample) => s,
): Promise<number> {
  let last = startTs;
  for (const step of runSteps(frame, startTs, 32)) {
    for (const line of step.gcode) await machine.publish('gcode', line);
    await machine.publish('sensors', { samples: step.samples.map(transform) });
    last = step.dueTs;
  }
  return last;
}

/** Sensor channels (board channels and motor currents) tripled: a strongly drifted sensor. */
function tripled(sample: SensorSample): SensorSample {
  const values: Record<string, number | null> = {};
  for (const [name, value] of Object.entries(sample.values)) {
    const sensor = name.includes('.') || /motor|spindle/.test(name);
    values[name] = sensor && value !== null ? value * 3 + 1 : value;
  }
  return { ts: sample.ts, values };
}

describe('drift in the daemon over the real mosquitto', { skip: servicesSkip() }, () => {
  it(
    'raises no alarm on held-out source runs, one on a strongly shifted stream; metrics follow',
    { timeout: 300_000 },
    async (t) => {
      const doc = parseDriftDocument(
        JSON.parse(await readFile(join(MODEL, 'drift.json'), 'utf8')) as unknown,
      );
      const heldOut = doc.thresholds?.replay?.find((check) => check.rotation === 0)?.runs ?? [];
      assert.equal(heldOut.length, 3, 'the committed model ships a calibrated replay check');
      const runs = (await listRuns(defaultDataDir())).filter((run) => heldOut.includes(run.id));
      const frames = await Promise.all(runs.map((run) => readRun(run)));

      const prefix = `adaptd-it/${uniqueName('drift')}`;
      const machine = await mqttMachine(t, prefix, MACHINE);
      await machine.subscribe('drift', 'events', 'deadletter');
      const { daemon, predictions, base } = await startDaemon(
        t,
        bedConfig({
          ADAPTD_MACHINE_ID: MACHINE,
          ADAPTD_MODEL_DIR: MODEL,
          ADAPTD_MQTT_URL: service('mqtt'),
          ADAPTD_MQTT_TOPIC_PREFIX: prefix,
          ADAPTD_MQTT_CLIENT_ID: uniqueName('adaptd'),
          ADAPTD_DRIFT_DOMAIN_INTERVAL: '32',
          ADAPTD_DRIFT_DOMAIN_PERMUTATIONS: '3',
          ADAPTD_DRIFT_SUSTAIN_WINDOWS: '8',
        }),
      );
      const sustained: string[] = [];
      daemon.learning.drift$.subscribe((event) => {
        if (event.kind === 'sustained') sustained.push(event.cause);
      });

      // Held-out source runs back to back, 5 s apart, as the calibration's replay check did.
      let ts = Date.now() - 6 * 3_600_000;
      for (const frame of frames) ts = (await replay(machine, frame, ts)) + 5000;
      const settle = async () => {
        let seen = -1;
        while (predictions.items.length !== seen) {
          seen = predictions.items.length;
          await quietFor(1500);
        }
      };
      await withDeadline(settle(), 120_000, 'the source windows scored');
      const sourceWindows = predictions.items.length;
      assert.ok(sourceWindows >= 60, `source windows scored: ${sourceWindows}`);
      const tensorsAfterSource = tf.memory().numTensors;
      let exposition = await (await fetch(`${base}/metrics`)).text();
      assert.equal(seriesValue(exposition, 'adaptd_drift_detections_total{cause="machine"}'), 0);
      assert.equal(seriesValue(exposition, 'adaptd_drift_steps_since_reset'), sourceWindows);
      assert.deepEqual(
        machine.received('events').filter((e) => String(e.kind).startsWith('drift.')),
        [],
        'no drift event on source runs',
      );
      const quiet = machine.received('drift');
      assert.ok(quiet.length > 0, 'drift messages published once the window filled');
      assert.ok(
        quiet.every((m) => m.alarm === false),
        'none of them an alarm',
      );

      // The same runs again with every sensor channel tripled: drift of the machine itself.
      for (const frame of frames) ts = (await replay(machine, frame, ts, tripled)) + 5000;
      await withDeadline(settle(), 120_000, 'the shifted windows scored');
      await withDeadline(
        (async () => {
          while (!machine.received('events').some((e) => e.kind === 'drift.alarm')) {
            await quietFor(100);
          }
        })(),
        10_000,
        'a drift.alarm event',
      );
      const alarm = machine.received('events').find((e) => e.kind === 'drift.alarm')!;
      assert.equal((alarm.detail as { cause: string }).cause, 'machine', 'machine drift');
      assert.deepEqual(sustained.slice(0, 1), ['machine'], 'sustained drift for the engine');
      assert.ok(
        machine.received('drift').some((m) => m.alarm === true && m.cause === 'machine'),
        'drift messages carry the alarm',
      );
      exposition = await (await fetch(`${base}/metrics`)).text();
      assert.equal(seriesValue(exposition, 'adaptd_drift_detections_total{cause="machine"}'), 1);
      assert.ok(
        (seriesValue(exposition, 'adaptd_drift_statistic') ?? 0) >
          (seriesValue(exposition, 'adaptd_drift_threshold') ?? Infinity),
        'statistic above threshold',
      );
      assert.ok(
        (seriesValue(exposition, 'adaptd_drift_domain_last_run_timestamp_seconds') ?? 0) > 0,
        'the domain score ran',
      );
      assert.equal(
        seriesValue(exposition, 'adaptd_target_buffer_windows{set="all"}'),
        predictions.items.length,
        'every scored window buffered',
      );
      assert.ok(
        (seriesValue(exposition, 'adaptd_labels_total{source="gcode"}') ?? 0) > 0,
        'motion labels from the G-code stream',
      );
      const check = await promtoolCheck(exposition);
      assert.equal(check.code, 0, check.output);
      assert.equal(tf.memory().numTensors, tensorsAfterSource, 'tensor count flat');

      // An operator label for a head the model lacks is dead-lettered with reason label.
      await machine.publish('labels', { from: ts - 60_000, to: ts, head: 'spindle', label: 'x' });
      await withDeadline(
        (async () => {
          while (machine.received('deadletter').length === 0) await quietFor(50);
        })(),
        10_000,
        'the label dead letter',
      );
      assert.equal(machine.received('deadletter')[0]!.reason, 'label');
    },
  );
});
