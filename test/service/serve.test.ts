import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadConfig } from '../../src/config/loadConfig.js';
import { AdaptdError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { serve } from '../../src/service/serve.js';
import { SystemdNotifier } from '../../src/service/systemdNotify.js';
import { describeStop, StopRequest, type SignalSource } from '../../src/service/stopRequest.js';
import type { Transports } from '../../src/service/transports.js';
import { FakeInput, FakeOutput } from '../pipeline/fakes.js';
import { saveTinyBundle } from '../support/tinyBundle.js';
import { NORMALISER, SCHEMA } from '../windows/fixtures.js';
import { openNotifySocket } from './notifySocket.js';
import { tempStateDir } from '../support/stateDir.js';

function signals(): SignalSource & EventEmitter {
  return new EventEmitter() as SignalSource & EventEmitter;
}

function transports(journal: string[]): { transports: Transports; input: FakeInput } {
  const input = new FakeInput(journal);
  return {
    input,
    transports: { inputs: [input], output: new FakeOutput(journal), connected: () => ({}) },
  };
}

describe('StopRequest', () => {
  it('keeps the first reason and hands a second signal to onImpatient', async () => {
    const source = signals();
    const impatient: string[] = [];
    const stop = new StopRequest(silentLogger);
    const unlisten = stop.listen(source, (signal) => impatient.push(signal));
    source.emit('SIGTERM', 'SIGTERM');
    stop.request({ kind: 'done' });
    source.emit('SIGINT', 'SIGINT');
    unlisten();
    source.emit('SIGINT', 'SIGINT');

    assert.deepEqual(await stop.requested, { kind: 'signal', signal: 'SIGTERM' });
    assert.deepEqual(impatient, ['SIGINT']);
    assert.equal(source.listenerCount('SIGINT'), 0);
    assert.equal(describeStop({ kind: 'fatal', error: new Error('gone') }), 'fatal: gone');
  });
});

describe('serve', () => {
  let modelDir = '';
  before(async () => {
    await tf.setBackend('cpu');
    modelDir = (await saveTinyBundle(SCHEMA, NORMALISER)).dir;
  });
  const options = (journal: string[], source: SignalSource, t = transports(journal)) => ({
    config: loadConfig({
      configDir: '/nonexistent',
      env: {
        ADAPTD_MODEL_DIR: modelDir,
        ADAPTD_HTTP_PORT: '0',
        ADAPTD_WINDOW_LENGTH: '16',
        ADAPTD_STATE_DIR: tempStateDir(),
      },
    }).config,
    logger: silentLogger,
    version: 'test',
    transports: () => t.transports,
    signals: source,
  });
  it('runs until SIGTERM, then stops and resolves', async () => {
    const journal: string[] = [];
    const source = signals();
    const serving = serve({
      ...options(journal, source),
      whileRunning: async () => {
        source.emit('SIGTERM', 'SIGTERM');
        await new Promise<void>(() => undefined);
      },
    });
    await serving;
    assert.equal(source.listenerCount('SIGTERM'), 0);
  });

  it('stops when the work it was started for is done', async () => {
    let ran = false;
    await serve({
      ...options([], signals()),
      whileRunning: () => {
        ran = true;
        return Promise.resolve();
      },
    });
    assert.ok(ran);
  });

  it('rejects with the failure when the work fails or an input fails for good', async () => {
    await assert.rejects(
      serve({
        ...options([], signals()),
        whileRunning: () => Promise.reject(new AdaptdError('DATA_INVALID', 'bad run')),
      }),
      /bad run/,
    );
    const journal: string[] = [];
    const t = transports(journal);
    await assert.rejects(
      serve({
        ...options(journal, signals(), t),
        whileRunning: () => {
          t.input.events$.error(new AdaptdError('BROKER_UNAVAILABLE', 'group left for good'));
          return new Promise<void>(() => undefined);
        },
      }),
      /group left for good/,
    );
  });

  it('stops a start under way when a signal comes, and resolves', async () => {
    const source = signals();
    const journal: string[] = [];
    const t = transports(journal);
    t.transports.output.start = () => {
      source.emit('SIGINT', 'SIGINT');
      return Promise.resolve();
    };
    let ran = false;
    await serve({
      ...options(journal, source, t),
      whileRunning: () => {
        ran = true;
        return Promise.resolve();
      },
    });
    assert.equal(ran, false);
  });

  it('tells systemd it is ready, feeds the watchdog while healthy, and says it is stopping', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'adaptd-serve-notify-'));
    const socket = await openNotifySocket(dir);
    t.after(async () => {
      socket.close();
      await rm(dir, { recursive: true, force: true });
    });
    const source = signals();
    const systemd = new SystemdNotifier({
      env: { ...process.env, NOTIFY_SOCKET: socket.path, WATCHDOG_USEC: '200000' },
    });
    const serving = serve({ ...options([], source), systemd });

    assert.match(await socket.next(5000), /^READY=1\nSTATUS=serving machine .+; metrics on /);
    assert.equal(await socket.next(5000), 'WATCHDOG=1', 'the watchdog was not fed while healthy');
    source.emit('SIGTERM', 'SIGTERM');
    await serving;
    const rest: string[] = [];
    for (;;) {
      const message = await socket.next(5000);
      rest.push(message);
      if (message.startsWith('STOPPING=1')) break;
    }
    assert.ok(
      rest.slice(0, -1).every((message) => message === 'WATCHDOG=1'),
      `only watchdog pings may come before STOPPING: ${rest.join(' | ')}`,
    );
    assert.match(rest.at(-1)!, /^STOPPING=1\nSTATUS=stopping: /);
  });
});
