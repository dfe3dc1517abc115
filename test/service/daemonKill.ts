import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../../src/log.js';
import { KafkajsClient } from '../../src/transports/kafka/kafkajsClient.js';
import type { PredictionMessage } from '../../src/transports/messages/predictionMessage.js';
import { withDeadline } from '../support/deadline.js';
import { uniqueName } from '../support/services.js';
import { quietFor } from '../transports/collector.js';
import { sample } from '../windows/fixtures.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MACHINE = 'mill-kill';

export interface DaemonKillOptions {
  brokers: string;
  modelDir: string;
  stateDir: string;
  /** Sensor rows produced up front, one record each. */
  rows: number;
  kills: number;
  /** Longest wait after a daemon is ready before it is killed, in ms. */
  maxMs: number;
  random: () => number;
}

export interface DaemonKillResult {
  kills: number;
  expected: number;
  /** Distinct windows published. */
  distinct: number;
  /** Windows that should have been published and never were. */
  lost: number;
  /** Publications beyond the first of a window. */
  duplicated: number;
  /** Windows published that are not on the stride grid (row index of their first row). */
  offGrid: number[];
}

/** Starts `adaptd run` with `env` over this environment; resolves once it logs that it is ready. */
export function startChild(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; log: string[] }> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'run'], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log: string[] = [];
  let buffered = '';
  return withDeadline(
    new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', (code, signal) => reject(new Error(`daemon exited ${code ?? signal}`)));
      child.stderr?.on('data', (chunk: Buffer) => log.push(chunk.toString('utf8')));
      child.stdout?.on('data', (chunk: Buffer) => {
        buffered += chunk.toString('utf8');
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) {
          log.push(line);
          if (line.includes('"daemon ready"')) resolve({ child, log });
        }
      });
    }),
    60_000,
    'the daemon child ready',
  );
}

/** Sends `signal` to a daemon child and waits for it to exit. */
export function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  return withDeadline(exited, 30_000, `daemon exiting on ${signal}`);
}

/**
 * Kills the daemon (a child process running `adaptd run` on Kafka) with SIGKILL at random
 * moments while it works through a backlog of sensor records, restarts it each time on the
 * same state folder and consumer group, lets the last one finish and stop gracefully, and
 * counts the predictions each window got.
 */
export async function daemonKillLoop(options: DaemonKillOptions): Promise<DaemonKillResult> {
  const prefix = uniqueName('adaptd-kill');
  const client = new KafkajsClient({
    clientId: uniqueName('machine'),
    brokers: [options.brokers],
    logger: silentLogger,
  });
  await client.connect();
  const children: ChildProcess[] = [];
  try {
    await client.ensureTopics(
      ['sensors', 'gcode', 'labels', 'commands', 'predictions'].map((stream) => ({
        topic: `${prefix}.${stream}`,
        partitions: 1,
      })),
    );
    const seen = new Map<number, number>();
    const subscription = await client.subscribe(
      { groupId: uniqueName('reader'), topics: [`${prefix}.predictions`], fromBeginning: true },
      (record) => {
        const p = JSON.parse(record.value?.toString('utf8') ?? 'null') as PredictionMessage;
        seen.set(p.windowStart, (seen.get(p.windowStart) ?? 0) + 1);
        return Promise.resolve();
      },
    );
    const base = Date.now() - 3_600_000;
    const produce = (stream: string, payloads: unknown[]) =>
      client.produce(
        `${prefix}.${stream}`,
        payloads.map((payload) => ({ key: MACHINE, value: JSON.stringify(payload) })),
      );
    await produce('gcode', [{ ts: base, line: 5, text: 'G1 X1 F20' }]);
    for (let from = 0; from < options.rows; from += 500) {
      const count = Math.min(500, options.rows - from);
      await produce(
        'sensors',
        Array.from({ length: count }, (_, k) => ({
          ...sample(from + k),
          ts: base + 250 * (from + k),
        })),
      );
    }
    const env = {
      ADAPTD_MACHINE_ID: MACHINE,
      ADAPTD_MODEL_DIR: options.modelDir,
      ADAPTD_WINDOW_LENGTH: '16',
      ADAPTD_WINDOW_STRIDE: '4',
      ADAPTD_WINDOW_REORDER_ROWS: '0',
      ADAPTD_KAFKA_BROKERS: options.brokers,
      ADAPTD_KAFKA_TOPIC_PREFIX: prefix,
      ADAPTD_KAFKA_GROUP_ID: uniqueName('adaptd'),
      ADAPTD_KAFKA_FROM_BEGINNING: 'true',
      // A restart takes over the killed daemon's partitions once its session has expired.
      ADAPTD_KAFKA_SESSION_TIMEOUT_MS: '6000',
      ADAPTD_STATE_DIR: options.stateDir,
      ADAPTD_HTTP_PORT: '0',
      ADAPTD_LOG_LEVEL: 'info',
      ADAPTD_BACKEND: 'cpu',
    };
    for (let k = 0; k < options.kills; k += 1) {
      const { child } = await startChild(env);
      children.push(child);
      await quietFor(Math.floor(options.random() * options.maxMs));
      await stopChild(child, 'SIGKILL');
    }
    const expected = Math.floor((options.rows - 16) / 4) + 1;
    const starts = new Set(Array.from({ length: expected }, (_, w) => base + 250 * 4 * w));
    const { child } = await startChild(env);
    children.push(child);
    // A lost window never comes: wait for all, but at most two minutes, then count.
    const waitUntil = Date.now() + 120_000;
    const onGrid = () => [...seen.keys()].filter((start) => starts.has(start)).length;
    while (onGrid() < expected && Date.now() < waitUntil) await quietFor(100);
    await quietFor(1_000);
    await stopChild(child, 'SIGTERM');
    await subscription.stop();
    const distinct = onGrid();
    const offGrid = [...seen.keys()].filter((start) => !starts.has(start));
    const duplicated = [...seen.values()].reduce((sum, n) => sum + n - 1, 0);
    return {
      kills: options.kills,
      expected,
      distinct,
      lost: expected - distinct,
      duplicated,
      offGrid: offGrid.map((start) => (start - base) / 250).sort((a, b) => a - b),
    };
  } finally {
    for (const child of children) await stopChild(child, 'SIGKILL').catch(() => undefined);
    await client.disconnect();
  }
}
