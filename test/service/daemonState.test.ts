import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadConfig, type AdaptdConfig } from '../../src/config/loadConfig.js';
import { silentLogger } from '../../src/log.js';
import type { BackendChoice } from '../../src/model/backend/selectBackend.js';
import { Daemon } from '../../src/service/daemon.js';
import { FakeInput, FakeOutput } from '../pipeline/fakes.js';
import { tempStateDir } from '../support/stateDir.js';
import { saveTinyBundle } from '../support/tinyBundle.js';
import { NORMALISER, SCHEMA, sample } from '../windows/fixtures.js';

const cpuBackend = async (): Promise<BackendChoice> => {
  await tf.setBackend('cpu');
  return { name: 'cpu', reason: 'test' };
};

function config(modelDir: string, stateDir: string): AdaptdConfig {
  return loadConfig({
    configDir: '/nonexistent',
    env: {
      ADAPTD_MODEL_DIR: modelDir,
      ADAPTD_MQTT_URL: 'mqtt://127.0.0.1:1',
      ADAPTD_HTTP_PORT: '0',
      ADAPTD_WINDOW_LENGTH: '16',
      ADAPTD_WINDOW_STRIDE: '8',
      ADAPTD_WINDOW_REORDER_ROWS: '0',
      ADAPTD_STATE_DIR: stateDir,
    },
  }).config;
}

/** A daemon on fake transports; `rows` sensor rows from `from` are fed once it runs. */
async function run(modelDir: string, stateDir: string, from: number, rows: number) {
  const input = new FakeInput([]);
  const output = new FakeOutput([]);
  const daemon = new Daemon({
    config: config(modelDir, stateDir),
    logger: silentLogger,
    version: 'test',
    transports: () => ({ inputs: [input], output, connected: () => ({ mqtt: true }) }),
    selectBackend: cpuBackend,
    defaultMetrics: false,
  });
  await daemon.start();
  const restored = JSON.stringify(daemon.learning);
  for (let i = from; i < from + rows; i += 1) input.sensors([sample(i)]);
  return { daemon, output, restored };
}

describe('Daemon state', () => {
  before(cpuBackend);

  it('writes a generation at stop, restores it at start, and sets a damaged one aside', async (t) => {
    const bundle = await saveTinyBundle(SCHEMA, NORMALISER);
    t.after(() => bundle.cleanup());
    const stateDir = tempStateDir();
    const generation = (n: number) =>
      join(stateDir, 'generations', `g${String(n).padStart(12, '0')}`, 'learning.json');

    const first = await run(bundle.dir, stateDir, 0, 40);
    await first.daemon.stop();
    const saved1 = await readFile(generation(1), 'utf8');
    assert.ok(saved1.length > 1000, 'the target buffer holds the scored windows');

    const second = await run(bundle.dir, stateDir, 40, 40);
    assert.equal(second.daemon.control.restoredState()?.generation, 1);
    assert.equal(second.restored, saved1, 'learning state restored equal to what was saved');
    await second.daemon.stop();
    const saved2 = await readFile(generation(2), 'utf8');
    assert.notEqual(saved2, saved1, 'the second run added windows');

    await truncate(generation(2), 100);
    const third = await run(bundle.dir, stateDir, 80, 0);
    try {
      assert.equal(
        third.daemon.control.restoredState()?.generation,
        1,
        'fell back to generation 1',
      );
      assert.equal(third.restored, saved1);
      const metrics = await third.daemon.registry.metrics();
      assert.match(metrics, /^adaptd_state_quarantined_total\{reason="truncated"\} 1$/m);
      const events = third.output.published.filter((p) => p.stream === 'events');
      assert.deepEqual(
        events.map((e) => (e.payload as { kind: string }).kind),
        ['state.quarantined'],
      );
    } finally {
      await third.daemon.stop();
    }
    assert.equal(third.daemon.control.restoredState()?.generation, 1);
  });
});
