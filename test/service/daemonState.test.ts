import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadConfig, type AdaptdConfig } from '../../src/config/loadConfig.js';
import { silentLogger } from '../../src/log.js';
import type { BackendChoice } from '../../src/model/backend/selectBackend.js';
import { Daemon } from '../../src/service/daemon.js';
import type { EventMessage } from '../../src/transports/messages/eventMessage.js';
import type { PredictionMessage } from '../../src/transports/messages/predictionMessage.js';
import { storeVersions } from '../adaptation/adaptationFixture.js';
import { FakeInput, FakeOutput } from '../pipeline/fakes.js';
import { flipFileBit } from '../support/damage.js';
import { tempStateDir } from '../support/stateDir.js';
import { saveTinyBundle } from '../support/tinyBundle.js';
import { NORMALISER, SCHEMA, sample } from '../windows/fixtures.js';

const cpuBackend = async (): Promise<BackendChoice> => {
  await tf.setBackend('cpu');
  return { name: 'cpu', reason: 'test' };
};

function config(
  modelDir: string,
  stateDir: string,
  extra: Record<string, string> = {},
): AdaptdConfig {
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
      ...extra,
    },
  }).config;
}

/** A daemon on fake transports; `rows` sensor rows from `from` are fed once it runs. */
async function run(
  modelDir: string,
  stateDir: string,
  from: number,
  rows: number,
  extra: Record<string, string> = {},
) {
  const input = new FakeInput([]);
  const output = new FakeOutput([]);
  const daemon = new Daemon({
    config: config(modelDir, stateDir, extra),
    logger: silentLogger,
    version: 'test',
    transports: () => ({ inputs: [input], output, connected: () => ({ mqtt: true }) }),
    selectBackend: cpuBackend,
    defaultMetrics: false,
  });
  await daemon.start();
  const restored = JSON.stringify(daemon.learning);
  for (let i = from; i < from + rows; i += 1) input.sensors([sample(i)]);
  return { daemon, input, output, restored };
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

  it('hands the label command to the learning loop and refuses a head the model lacks', async (t) => {
    const bundle = await saveTinyBundle(SCHEMA, NORMALISER);
    t.after(() => bundle.cleanup());
    const { daemon, input, output } = await run(bundle.dir, tempStateDir(), 0, 40, {
      ADAPTD_COMMANDS_AUTH: 'off',
    });
    try {
      const send = (requestId: string, args: Record<string, unknown>) =>
        input.events$.next({
          stream: 'commands',
          payload: { requestId, command: 'label', expiresAt: Date.now() + 60_000, args },
          origin: { transport: 'mqtt', topic: 'adaptd/mill-1/commands' },
          receivedAt: Date.now(),
          settle: () => Promise.resolve(),
        });
      // Rows 0..39 (ts 1000 + 250 i) make 4 windows; once scored, label all of them.
      const scored = Date.now() + 10_000;
      while (output.published.filter((p) => p.stream === 'predictions').length < 4) {
        assert.ok(Date.now() < scored, 'the 4 windows scored');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      send('good', { from: 1000, to: 1000 + 250 * 39, head: 'tool', label: 'damaged' });
      send('bad', { from: 1000, to: 2000, head: 'spindle', label: 'hot' });
      const replies = () =>
        output.published
          .filter((p) => p.stream === 'replies')
          .map(
            (p) =>
              p.payload as {
                requestId: string;
                status: string;
                reason?: string;
                detail?: Record<string, unknown>;
              },
          );
      const deadline = Date.now() + 10_000;
      while (
        replies().filter((r) => r.status !== 'accepted' && r.status !== 'in_progress').length < 2
      ) {
        assert.ok(Date.now() < deadline, `replies: ${JSON.stringify(replies())}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const last = (id: string) =>
        replies()
          .filter((r) => r.requestId === id)
          .at(-1);
      assert.equal(last('good')?.status, 'succeeded');
      assert.ok(Number(last('good')?.detail?.windows) > 0, JSON.stringify(last('good')));
      assert.equal(last('bad')?.status, 'rejected');
      assert.equal(last('bad')?.reason, 'invalid');
    } finally {
      await daemon.stop();
    }
  });

  it('starts on the last good adaptation state and an earlier champion when both are damaged, and reports each', async (t) => {
    const bundle = await saveTinyBundle(SCHEMA, NORMALISER);
    t.after(() => bundle.cleanup());
    const stateDir = tempStateDir();
    // a3 serves, after a2 (the state before it) and a1.
    await storeVersions(bundle.dir, stateDir, 3);
    await writeFile(join(stateDir, 'adaptation.json'), '{"format": "adaptd-adaptation/2", "cha');
    await flipFileBit(join(stateDir, 'adapters', 'a2', '0.bin'));
    const { daemon, input, output } = await run(bundle.dir, stateDir, 0, 40, {
      ADAPTD_COMMANDS_AUTH: 'off',
    });
    try {
      assert.equal(daemon.adaptation.status().adapterVersion, 'a1', 'a1 serves');
      const deadline = Date.now() + 10_000;
      const predictions = () => output.published.filter((p) => p.stream === 'predictions');
      while (predictions().length < 4) {
        assert.ok(Date.now() < deadline, 'the 4 windows scored');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.ok(
        predictions().every((p) => (p.payload as PredictionMessage).adapterVersion === 'a1'),
        'predictions come from a1',
      );
      const quarantined = () =>
        output.published
          .filter((p) => p.stream === 'events')
          .map((p) => p.payload as EventMessage)
          .filter((e) => e.kind === 'state.quarantined')
          .map((e) => `${String(e.detail?.['generation'])} ${String(e.detail?.['reason'])}`);
      assert.deepEqual(quarantined(), ['adaptation.json truncated', 'adapters/a2 checksum']);
      // A damaged version found while running (a promote command) is reported at once.
      await flipFileBit(join(stateDir, 'adapters', 'a3', '0.bin'));
      input.events$.next({
        stream: 'commands',
        payload: {
          requestId: 'p3',
          command: 'promote',
          expiresAt: Date.now() + 60_000,
          args: { version: 'a3' },
        },
        origin: { transport: 'mqtt', topic: 'adaptd/mill-1/commands' },
        receivedAt: Date.now(),
        settle: () => Promise.resolve(),
      });
      while (quarantined().length < 3) {
        assert.ok(Date.now() < deadline, `events: ${quarantined().join(', ')}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.equal(quarantined()[2], 'adapters/a3 checksum');
      assert.equal(daemon.adaptation.status().adapterVersion, 'a1', 'a1 still serves');
      const metrics = await daemon.registry.metrics();
      assert.match(metrics, /^adaptd_state_quarantined_total\{reason="truncated"\} 1$/m);
      assert.match(metrics, /^adaptd_state_quarantined_total\{reason="checksum"\} 2$/m);
    } finally {
      await daemon.stop();
    }
  });
});
