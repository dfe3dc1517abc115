import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { driveLoad, inProcessTarget, lastMessagesHolding } from '../support/loadDriver.js';
import { service, servicesSkip, uniqueName } from '../support/services.js';
import { saveTinyBundle } from '../support/tinyBundle.js';
import { NORMALISER, SCHEMA, sample } from '../windows/fixtures.js';
import { bedConfig, startDaemon } from './daemonBed.js';

const MACHINE = 'mill-load';
const LENGTH = 16;
const STRIDE = 4;

describe(
  'adaptd daemon under a burst of load over the real mosquitto',
  { skip: servicesSkip() },
  () => {
    it(
      'takes every row of a burst, scores or counts as dropped every window, and drains',
      { timeout: 180_000 },
      async (t) => {
        const bundle = await saveTinyBundle(SCHEMA, NORMALISER);
        t.after(() => bundle.cleanup());
        const prefix = `adaptd-load/${uniqueName('p')}`;
        const { daemon } = await startDaemon(
          t,
          bedConfig({
            ADAPTD_MACHINE_ID: MACHINE,
            ADAPTD_MODEL_DIR: bundle.dir,
            ADAPTD_WINDOW_LENGTH: String(LENGTH),
            ADAPTD_WINDOW_STRIDE: String(STRIDE),
            ADAPTD_MQTT_URL: service('mqtt'),
            ADAPTD_MQTT_TOPIC_PREFIX: prefix,
            ADAPTD_MQTT_CLIENT_ID: uniqueName('adaptd'),
            // Two windows may wait for the model; a burst past that drops windows, counted.
            ADAPTD_BUFFER_ROWS: String(2 * LENGTH),
          }),
        );
        const tensorsBefore = tf.memory().numTensors;
        const run = await driveLoad({
          target: inProcessTarget(daemon),
          url: service('mqtt'),
          topic: `${prefix}/${MACHINE}/sensors`,
          rowsPerMessage: 8,
          values: (i) => sample(i % 1000).values,
          sampleMs: 1_000,
          phases: [
            { name: 'normal', rowsPerSecond: 200, seconds: 3 },
            { name: 'burst', rowsPerSecond: 4_000, seconds: 4 },
            { name: 'after', rowsPerSecond: 200, seconds: 3 },
          ],
        });
        const { final, rowsSent } = run;
        assert.equal(final.rowsAccepted, rowsSent, 'every row sent was taken by the windower');
        // Only the messages of the last rows, which wait for rows to complete their windows:
        // past the last window's stride, at most LENGTH - 1 rows (in messages as short as the
        // rows due in one tick of the publisher).
        const tail = lastMessagesHolding(run.messageRows, LENGTH - 1);
        assert.ok(
          final.unsettled <= tail,
          `${final.unsettled} messages unsettled after the burst; the last ${LENGTH - 1} rows ` +
            `came in ${tail}`,
        );
        const expected = Math.floor((rowsSent - LENGTH) / STRIDE) + 1;
        assert.equal(final.rowsDropped % LENGTH, 0, 'whole windows are dropped');
        assert.equal(
          final.windows + final.rowsDropped / LENGTH,
          expected,
          'each window was either scored and published or counted as dropped',
        );
        assert.ok(final.windows > 0, 'windows were scored');
        assert.equal(tf.memory().numTensors, tensorsBefore, 'no tensor left behind by the burst');
        for (const phase of run.summaries) {
          t.diagnostic(
            `${phase.name}: ${phase.rowsSent} rows at ${phase.rowsPerSecond}/s, ` +
              `${phase.windows} windows, ${phase.rowsDropped / LENGTH} dropped, ` +
              `lag p50 ${phase.lagMsP50} ms p99 ${phase.lagMsP99} ms, ` +
              `max unsettled ${phase.maxUnsettled}`,
          );
        }
      },
    );
  },
);
