import type { TestContext } from 'node:test';
import { spawn } from 'node:child_process';
import { loadConfig, type AdaptdConfig } from '../../src/config/loadConfig.js';
import { silentLogger } from '../../src/log.js';
import type { Prediction } from '../../src/pipeline/inferenceWorker.js';
import { Daemon } from '../../src/service/daemon.js';
import { createTransports } from '../../src/service/transports.js';
import { Collector } from '../transports/collector.js';
import { service } from '../support/services.js';

/** Configuration for a test daemon: no config folder, only the given variables. */
export function bedConfig(env: Record<string, string>): AdaptdConfig {
  return loadConfig({
    configDir: '/nonexistent',
    env: { ADAPTD_HTTP_PORT: '0', ADAPTD_WINDOW_REORDER_ROWS: '0', ...env },
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
