import type { TestContext } from 'node:test';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import { loadConfig, type AdaptdConfig } from '../../src/config/loadConfig.js';
import { silentLogger } from '../../src/log.js';
import type { Prediction } from '../../src/pipeline/inferenceWorker.js';
import { Daemon } from '../../src/service/daemon.js';
import { createTransports } from '../../src/service/transports.js';
import { Collector } from '../transports/collector.js';
import { withDeadline } from '../support/deadline.js';
import { service } from '../support/services.js';
import { tempStateDir } from '../support/stateDir.js';

/** Configuration for a test daemon: no config folder, only the given variables. */
export function bedConfig(env: Record<string, string>): AdaptdConfig {
  return loadConfig({
    configDir: '/nonexistent',
    env: {
      ADAPTD_HTTP_PORT: '0',
      ADAPTD_WINDOW_REORDER_ROWS: '0',
      ADAPTD_STATE_DIR: tempStateDir(),
      ...env,
    },
  }).config;
}

export interface RunningDaemon {
  daemon: Daemon;
  predictions: Collector<Prediction>;
  /** http://127.0.0.1:PORT of its /metrics, /healthz and /readyz. */
  base: string;
}

/** Starts a daemon on the real transports; stopped when the test ends if not before. */
export async function startDaemon(t: TestContext, config: AdaptdConfig): Promise<RunningDaemon> {
  const daemon = new Daemon({
    config,
    logger: silentLogger,
    version: 'integration',
    transports: createTransports,
    defaultMetrics: true,
  });
  const predictions = new Collector(daemon.predictions$);
  t.after(() => daemon.stop());
  await daemon.start();
  return { daemon, predictions, base: `http://127.0.0.1:${daemon.httpAddress().port}` };
}

/** The value of one series in an exposition, or undefined when it is not there. */
export function seriesValue(exposition: string, series: string): number | undefined {
  for (const line of exposition.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

/** Pipes an exposition into `promtool check metrics`; resolves with its exit code and output. */
export function promtoolCheck(
  exposition: string,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(service('promtool'), ['check', 'metrics'], { timeout: 15_000 });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
    child.stdin.end(exposition);
  });
}

/**
 * A private mosquitto whose sessions survive a restart (persistence on, saved at SIGTERM), for
 * tests that take the broker away under a running daemon.
 */
export async function persistentMosquitto(t: TestContext) {
  const dir = await mkdtemp(join(tmpdir(), 'adaptd-daemon-mosquitto-'));
  // Started as root, mosquitto drops to its own user, which must be able to save sessions here.
  await chmod(dir, 0o777);
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  const url = `mqtt://127.0.0.1:${port}`;
  const conf = join(dir, 'mosquitto.conf');
  await writeFile(
    conf,
    `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence true\n` +
      `persistence_location ${dir}/\nlog_dest none\n`,
  );
  let child: ChildProcess | undefined;
  const broker = {
    url,
    async start() {
      child = spawn(service('mosquitto'), ['-c', conf], { stdio: 'ignore' });
      await withDeadline(
        (async () => {
          for (;;) {
            const up = await connectAsync(url, { reconnectPeriod: 0, connectTimeout: 500 }).then(
              (client) => client.endAsync().then(() => true),
              () => false,
            );
            if (up) return;
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
        })(),
        15_000,
        'the private mosquitto accepting connections',
      );
    },
    async stop() {
      const running = child;
      child = undefined;
      if (running === undefined || running.exitCode !== null) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGTERM');
      await withDeadline(exited, 10_000, 'mosquitto exiting');
    },
  };
  t.after(async () => {
    await broker.stop();
    await rm(dir, { recursive: true, force: true });
  });
  await broker.start();
  return broker;
}
