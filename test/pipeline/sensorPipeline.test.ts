import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Registry } from 'prom-client';
import { CONTEXT_SIZE } from '../../src/data/controllerContext.js';
import { silentLogger } from '../../src/log.js';
import { DaemonMetrics } from '../../src/metrics/daemonMetrics.js';
import { SensorModel } from '../../src/model/sensorModel.js';
import { buildPipeline, type PipelineSettings } from '../../src/pipeline/buildPipeline.js';
import type { Prediction } from '../../src/pipeline/inferenceWorker.js';
import { predictionMessageSchema } from '../../src/transports/messages/predictionMessage.js';
import { tinyConfig } from '../support/tinyModel.js';
import { NORMALISER, SCHEMA, sample } from '../windows/fixtures.js';
import { FakeInput, FakeOutput } from './fakes.js';

const HEADS = [
  { name: 'operation', classes: ['face', 'pocket', 'adaptive'], reads: 'window' as const },
  { name: 'motion', classes: ['G0', 'G1', 'G2', 'G3'], reads: 'step' as const },
  { name: 'gcodeType', classes: ['G', 'M'], reads: 'window' as const },
];

async function withPipeline(
  settings: Partial<PipelineSettings>,
  body: (world: {
    input: FakeInput;
    output: FakeOutput;
    journal: string[];
    predictions: Prediction[];
    metrics: DaemonMetrics;
    stop: () => Promise<void>;
  }) => Promise<void>,
): Promise<void> {
  const model = new SensorModel(tinyConfig({ contextSize: CONTEXT_SIZE, heads: HEADS }), 5);
  const journal: string[] = [];
  const input = new FakeInput(journal);
  const output = new FakeOutput(journal);
  const metrics = new DaemonMetrics(new Registry(), {
    version: 'test',
    modelVersion: 'tiny-1',
    backend: tf.getBackend(),
    heads: HEADS,
    defaultMetrics: false,
  });
  const built = buildPipeline(
    {
      machineId: 'mill-1',
      channelMap: {},
      window: { length: 16, stride: 8 },
      reorderRows: 0,
      maxGapMs: 5000,
      queueWindows: 64,
      batchSize: 8,
      ...settings,
    },
    {
      model,
      schema: SCHEMA,
      normaliser: NORMALISER,
      inputs: [input],
      output,
      metrics,
      versions: () => ({ modelVersion: 'tiny-1', adapterVersion: null }),
      logger: silentLogger,
    },
  );
  const predictions: Prediction[] = [];
  built.worker.predictions$.subscribe((p) => predictions.push(p));
  await built.pipeline.start();
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await input.stopIntake();
    await built.pipeline.stop();
  };
  try {
    await body({ input, output, journal, predictions, metrics, stop });
  } finally {
    await stop();
    model.dispose();
  }
}

const rows = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => sample(from + i));

describe('SensorPipeline', () => {
  it('publishes one valid prediction per window, with the served heads only', async () => {
    await withPipeline({}, async ({ input, output, predictions, metrics, stop }) => {
      input.gcode(sample(0).ts, 7, 'G1 X1 F20');
      for (const row of rows(0, 40)) input.sensors([row]);
      await stop();

      // 40 rows, length 16, stride 8: windows start at rows 0, 8, 16, 24.
      assert.deepEqual(
        predictions.map((p) => p.window.from),
        [0, 8, 16, 24].map((i) => sample(i).ts),
      );
      assert.equal(output.published.length, 4);
      for (const { stream, payload } of output.published) {
        assert.equal(stream, 'predictions');
        const parsed = predictionMessageSchema.parse(payload);
        assert.deepEqual(Object.keys(parsed.heads).sort(), ['motion', 'operation']);
        assert.equal(parsed.gcodeLine, 7);
        assert.equal(parsed.maskedChannels, 0);
        assert.equal(parsed.modelVersion, 'tiny-1');
      }
      const text = await metrics.registry.metrics();
      assert.match(text, /^adaptd_windows_total 4$/m);
      assert.match(text, /^adaptd_messages_total\{stream="sensors",transport="mqtt"\} 40$/m);
      assert.match(text, /^adaptd_rows_total\{outcome="accepted"\} 40$/m);
      assert.match(text, /^adaptd_window_latency_seconds_count 4$/m);
    });
  });

  it('settles a message only after every window holding its rows is published', async () => {
    await withPipeline({}, async ({ input, output, journal, stop }) => {
      let open!: () => void;
      output.gate = new Promise((resolve) => (open = resolve));
      const names = rows(0, 24).map((row) => input.sensors([row]));
      await new Promise((resolve) => setImmediate(resolve));
      // Windows [0, 16) and [8, 24) are cut but not yet published: nothing is settled.
      assert.deepEqual(
        journal.filter((line) => line.startsWith('settle')),
        [],
      );
      open();
      await stop();

      const published = journal.indexOf(`publish ${sample(8).ts}-${sample(23).ts}`);
      assert.ok(published >= 0, journal.join('\n'));
      // Rows 0..15 are in no window after the second one, so their messages settle after it.
      for (const name of names.slice(0, 16)) {
        assert.ok(journal.indexOf(`settle ${name}`) > published, `${name} settled early`);
      }
      // Rows 16..23 still belong to the next window, which never came.
      for (const name of names.slice(16)) assert.ok(!journal.includes(`settle ${name}`), name);
    });
  });

  it('settles duplicates at once and holds the newest G-code line', async () => {
    await withPipeline({}, async ({ input, journal, stop }) => {
      const first = input.gcode(sample(0).ts, 1, 'G0 X0');
      input.sensors(rows(0, 16));
      const second = input.gcode(sample(10).ts, 2, 'G1 X2');
      const repeat = input.sensors([sample(3)]);
      input.sensors(rows(16, 16));
      await stop();

      assert.ok(journal.includes(`settle ${repeat}`));
      assert.ok(journal.includes(`settle ${first}`), journal.join('\n'));
      assert.ok(!journal.includes(`settle ${second}`));
    });
  });

  it('drops windows beyond the queue and counts their rows, settling in order all the same', async () => {
    await withPipeline({ queueWindows: 2, window: { length: 16, stride: 4 } }, async (world) => {
      const { input, predictions, metrics, journal, stop } = world;
      // One batch message cuts 7 windows at once, before the worker can take any.
      const name = input.sensors(rows(0, 40));
      await stop();

      assert.equal(predictions.length, 2);
      const text = await metrics.registry.metrics();
      assert.match(text, /^adaptd_buffer_dropped_total\{stage="inference"\} 80$/m);
      assert.ok(!journal.includes(`settle ${name}`), 'rows 36..39 still await a window');
    });
  });

  it('keeps the tensor count flat over many inference cycles', async () => {
    await withPipeline({ window: { length: 16, stride: 16 } }, async ({ input, predictions }) => {
      const settle = async (count: number) => {
        while (predictions.length < count) await new Promise((resolve) => setImmediate(resolve));
      };
      input.sensors(rows(0, 32));
      await settle(2);
      const before = tf.memory().numTensors;
      for (let cycle = 1; cycle <= 30; cycle += 1) {
        input.sensors(rows(32 * cycle, 32));
        await settle(2 * (cycle + 1));
      }
      assert.equal(tf.memory().numTensors, before);
    });
  });
});
