import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { loadConfig, type AdaptdConfig } from '../../src/config/loadConfig.js';
import { isAdaptdError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import type { BackendChoice } from '../../src/model/backend/selectBackend.js';
import type { Prediction } from '../../src/pipeline/inferenceWorker.js';
import { Daemon } from '../../src/service/daemon.js';
import type { Transports } from '../../src/service/transports.js';
import { FakeInput, FakeOutput } from '../pipeline/fakes.js';
import { saveTinyBundle } from '../support/tinyBundle.js';
import { NORMALISER, SCHEMA, sample } from '../windows/fixtures.js';
import { tempStateDir } from '../support/stateDir.js';

function testConfig(modelDir: string, extra: Record<string, string> = {}): AdaptdConfig {
  return loadConfig({
    configDir: '/nonexistent',
    env: {
      ADAPTD_MODEL_DIR: modelDir,
      ADAPTD_MQTT_URL: 'mqtt://127.0.0.1:1',
      ADAPTD_HTTP_PORT: '0',
      ADAPTD_WINDOW_LENGTH: '16',
      ADAPTD_WINDOW_STRIDE: '8',
      ADAPTD_WINDOW_REORDER_ROWS: '0',
      ADAPTD_STATE_DIR: tempStateDir(),
      ...extra,
    },
  }).config;
}

const cpuBackend = async (): Promise<BackendChoice> => {
  await tf.setBackend('cpu');
  return { name: 'cpu', reason: 'test' };
};

/** Fake transports whose every call is written into the journal. */
function fakeTransports(journal: string[], failOutputStart = false) {
  const input = new FakeInput(journal);
  const output = new FakeOutput(journal);
  const recordedInput = Object.assign(input, {
    start: () => (journal.push('input start'), Promise.resolve()),
    stopIntake: () => (
      journal.push('input stopIntake'),
      input.events$.complete(),
      Promise.resolve()
    ),
    stop: () => (journal.push('input stop'), Promise.resolve()),
  });
  const outputStart = output.start.bind(output);
  output.start = () => {
    journal.push('output start');
    return failOutputStart ? Promise.reject(new Error('broker refused')) : outputStart();
  };
  output.stop = () => (journal.push('output stop'), Promise.resolve());
  const transports: Transports = {
    inputs: [recordedInput],
    output,
    connected: () => ({ mqtt: true }),
  };
  return { input, output, transports };
}

describe('Daemon', () => {
  before(cpuBackend);

  it('starts its parts in order, serves predictions and metrics, and stops in reverse', async () => {
    const bundle = await saveTinyBundle(SCHEMA, NORMALISER);
    const journal: string[] = [];
    const { input, output, transports } = fakeTransports(journal);
    const daemon = new Daemon({
      config: testConfig(bundle.dir),
      logger: silentLogger,
      version: '0.0.0-test',
      transports: () => transports,
      selectBackend: cpuBackend,
      defaultMetrics: false,
    });
    const predictions: Prediction[] = [];
    daemon.predictions$.subscribe((p) => predictions.push(p));
    try {
      await daemon.start();
      const base = `http://127.0.0.1:${daemon.httpAddress().port}`;
      assert.equal((await fetch(`${base}/readyz`)).status, 200);
      assert.equal((await fetch(`${base}/healthz`)).status, 200);

      for (let i = 0; i < 24; i += 1) input.sensors([sample(i)]);
      await daemon.stop('test over');

      assert.equal(predictions.length, 2);
      const metrics = await daemon.registry.metrics();
      assert.match(metrics, /^adaptd_windows_total 2$/m);
      assert.match(
        metrics,
        /^adaptd_build_info\{version="0.0.0-test",model_version="tiny-test-1"\} 1$/m,
      );
      assert.match(metrics, /^adaptd_backend_info\{backend="cpu"\} 1$/m);
      assert.match(metrics, /^adaptd_broker_connected\{transport="mqtt"\} 1$/m);
      const states = output.published
        .filter((p) => p.stream === 'status')
        .map((p) => (p.payload as { state: string }).state);
      assert.deepEqual(states, ['online', 'stopping', 'offline']);
      const lifecycle = journal.filter((line) => /^(input|output) /.test(line));
      assert.deepEqual(lifecycle, [
        'output start',
        'input start',
        'input stopIntake',
        'input stop',
        'output stop',
      ]);
      // The windows were published before the inputs closed, and their rows settled.
      assert.ok(journal.indexOf('settle sensors#1') < journal.indexOf('input stop'));
      await assert.rejects(fetch(`${base}/healthz`));
    } finally {
      await daemon.stop();
      await bundle.cleanup();
    }
  });

  it('undoes a half-finished start: HTTP closed, model disposed, inputs never started', async () => {
    const bundle = await saveTinyBundle(SCHEMA, NORMALISER);
    const journal: string[] = [];
    const { transports } = fakeTransports(journal, true);
    await cpuBackend();
    const tensorsBefore = tf.memory().numTensors;
    const daemon = new Daemon({
      config: testConfig(bundle.dir),
      logger: silentLogger,
      version: 'test',
      transports: () => transports,
      selectBackend: cpuBackend,
      defaultMetrics: false,
    });
    try {
      await assert.rejects(daemon.start(), /broker refused/);
      assert.deepEqual(journal, ['output start']);
      assert.equal(tf.memory().numTensors, tensorsBefore);
      assert.throws(() => daemon.httpAddress(), /address asked for before start/);
    } finally {
      await bundle.cleanup();
    }
  });

  it('stops although the broker never takes its status messages', async () => {
    const bundle = await saveTinyBundle(SCHEMA, NORMALISER);
    const journal: string[] = [];
    const { output, transports } = fakeTransports(journal);
    const daemon = new Daemon({
      config: testConfig(bundle.dir),
      logger: silentLogger,
      version: 'test',
      transports: () => transports,
      selectBackend: cpuBackend,
      defaultMetrics: false,
    });
    try {
      await daemon.start();
      // From here on every publish waits for a broker that never comes back.
      output.gate = new Promise<void>(() => undefined);
      await daemon.stop('test');
      assert.ok(journal.includes('output stop'), `the outputs were not stopped: ${journal.join()}`);
      assert.ok(journal.includes('input stop'), `the inputs were not stopped: ${journal.join()}`);
    } finally {
      await bundle.cleanup();
    }
  });

  it('refuses a configured window length the model does not take', async () => {
    const bundle = await saveTinyBundle(SCHEMA, NORMALISER);
    const daemon = new Daemon({
      config: testConfig(bundle.dir, { ADAPTD_WINDOW_LENGTH: '64' }),
      logger: silentLogger,
      version: 'test',
      transports: () => fakeTransports([]).transports,
      selectBackend: cpuBackend,
      defaultMetrics: false,
    });
    try {
      await assert.rejects(daemon.start(), (error: unknown) => {
        assert.ok(isAdaptdError(error, 'CONFIG_INVALID'));
        assert.match(error.message, /windows\.length is 64 .* windows of 16 rows/);
        return true;
      });
    } finally {
      await bundle.cleanup();
    }
  });
});
