/**
 * Window latency of the running daemon while its own adaptation engine trains, against the same
 * replay with no run. The daemon serves the committed model over a private mosquitto; recorded
 * runs are replayed at BENCH_SPEED times real time (paced, as a fleet of machines would send
 * them, not a flood) by a publisher in a process of its own (bench/support/replayChild.ts), so
 * this process's heap and event loop are the daemon's. After a fill phase, phases alternate:
 * idle, then adapting (one `readapt` after another, back to back, through the daemon's
 * ControlTarget, i.e. exactly what a command starts: snapshot of the target buffer, forked
 * training process at niceness 10, shadow scoring, gate). Reports latency (window cut to
 * prediction published) p50, p99 and max per phase, medians over repeats, the rounds run and
 * how each ended, and the event-loop delay p99. Writes bench/results/adaptation/adaptation.{json,md} and prints the Markdown.
 *
 * Run: npx tsx bench/daemon/adaptationLatency.bench.ts
 * Env: BENCH_MQTT_URL (default: a private mosquitto on a free loopback port), BENCH_RUNS
 * (default face150025_002,pocket150025_002,adaptive150025_007), BENCH_SPEED (20),
 * BENCH_REPEATS (2), BENCH_STEPS (adaptation steps, default the config's 100), ADAPTD_MODEL_DIR,
 * ADAPTD_DATA_DIR.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { AdaptationOutcome } from '../../src/control/controlTarget.js';
import { loadConfig } from '../../src/config/loadConfig.js';
import { silentLogger } from '../../src/log.js';
import type { Prediction } from '../../src/pipeline/inferenceWorker.js';
import { Daemon } from '../../src/service/daemon.js';
import { createTransports } from '../../src/service/transports.js';
import { machineInfo, median, quantile, writeResults } from '../support/benchSupport.js';
import { benchBroker } from '../support/mosquitto.js';
import { startReplayProcess } from '../support/replayProcess.js';

const runIds = (
  process.env.BENCH_RUNS ?? 'face150025_002,pocket150025_002,adaptive150025_007'
).split(',');
const speed = Number(process.env.BENCH_SPEED ?? '20');
const repeats = Number(process.env.BENCH_REPEATS ?? '2');
const MACHINE = 'mill-bench';
const tag = `${process.pid}-${Date.now().toString(36)}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const machine = await machineInfo();
const mosquitto = await benchBroker();
const prefix = `adaptd-bench/${tag}`;
const stateDir = await mkdtemp(join(tmpdir(), 'adaptd-bench-state-'));
const config = loadConfig({
  env: {
    ...process.env,
    ADAPTD_MACHINE_ID: MACHINE,
    ADAPTD_MQTT_URL: mosquitto.url,
    ADAPTD_MQTT_TOPIC_PREFIX: prefix,
    ADAPTD_MQTT_CLIENT_ID: `adaptd-bench-${tag}`,
    ADAPTD_HTTP_PORT: '0',
    ADAPTD_STATE_DIR: stateDir,
    ADAPTD_ADAPTATION_INTERVAL_MS: '0',
    // Runs start only where the bench starts them: a drift-triggered run would land in an
    // idle phase.
    ADAPTD_ADAPTATION_DRIFT_TRIGGER: 'false',
    ADAPTD_ADAPTATION_MIN_TARGET_WINDOWS: '32',
    ADAPTD_ADAPTATION_PROBATION_WINDOWS: '0',
    ...(process.env.BENCH_STEPS === undefined
      ? {}
      : { ADAPTD_ADAPTATION_STEPS: process.env.BENCH_STEPS }),
  },
}).config;
const daemon = new Daemon({
  config,
  logger: silentLogger,
  version: 'bench',
  transports: createTransports,
});
await daemon.start();
// The publisher, with the runs read into its memory, in a process of its own: the daemon's
// heap, garbage collections and event loop here are the daemon's alone.
const publisher = await startReplayProcess({
  url: mosquitto.url,
  machine: MACHINE,
  runIds,
  prefixes: [prefix],
});

let lastPrediction = performance.now();
daemon.predictions$.subscribe(() => (lastPrediction = performance.now()));
/**
 * Waits until no prediction has come for 3 s: the queue has drained. A phase that began with
 * windows still queued would start with full 32-window batches, each a long synchronous model
 * call, and measure that backlog instead of its own load.
 */
async function drained(): Promise<void> {
  while (performance.now() - lastPrediction < 3_000) await sleep(200);
}

let nextStart = Math.floor((Date.now() - 12 * 3_600_000) / 3_600_000) * 3_600_000;
async function replay(): Promise<void> {
  const result = await publisher.replay({ prefix, speed, startMs: nextStart });
  nextStart = result.nextStartMs + 60_000;
}

/** One phase: replays the runs, collecting latencies and the event-loop delay. */
async function phase(name: 'idle' | 'adapting') {
  const outcomes: AdaptationOutcome[] = [];
  let adapting = name === 'adapting';
  const loop = async () => {
    while (adapting) {
      outcomes.push(
        await daemon.adaptation.readapt({ requestId: `bench-${Date.now()}`, trigger: 'command' }),
      );
    }
  };
  const latencies: number[] = [];
  const delay = monitorEventLoopDelay({ resolution: 10 });
  const subscription = daemon.predictions$.subscribe((p: Prediction) => {
    if (name === 'idle' || daemon.adaptation.status().adapting) latencies.push(p.latencyMs);
  });
  const running = name === 'adapting' ? loop() : Promise.resolve();
  // Training under way before the replay starts, so the phase measures training, not startup.
  while (name === 'adapting' && !daemon.adaptation.status().adapting) await sleep(50);
  delay.enable();
  await replay();
  await drained();
  delay.disable();
  subscription.unsubscribe();
  adapting = false;
  await running;
  latencies.sort((a, b) => a - b);
  const row = {
    phase: name,
    windows: latencies.length,
    latencyMsP50: quantile(latencies, 0.5),
    latencyMsP99: quantile(latencies, 0.99),
    latencyMsMax: latencies.at(-1) ?? Number.NaN,
    loopDelayMsP99: delay.percentile(99) / 1e6,
    rounds: outcomes.map((o) => o.result),
  };
  console.error(JSON.stringify(row));
  return row;
}

// Fill the target buffer so that a run has windows to train on.
await replay();
await drained();
const rows: Array<Awaited<ReturnType<typeof phase>>> = [];
for (let r = 0; r < repeats; r += 1) {
  rows.push(await phase('idle'));
  rows.push(await phase('adapting'));
}
const exposition = await daemon.registry.metrics();
await publisher.stop();
await daemon.stop('bench over');
await mosquitto.stop();
await rm(stateDir, { recursive: true, force: true });

const summary = (name: 'idle' | 'adapting') => {
  const of = rows.filter((row) => row.phase === name);
  return {
    phase: name,
    windows: median(of.map((row) => row.windows)),
    latencyMsP50: median(of.map((row) => row.latencyMsP50)),
    latencyMsP99: median(of.map((row) => row.latencyMsP99)),
    latencyMsMax: Math.max(...of.map((row) => row.latencyMsMax)),
    loopDelayMsP99: median(of.map((row) => row.loopDelayMsP99)),
    rounds: of.flatMap((row) => row.rounds),
  };
};
/** Mean seconds of one phase of the runs, from the duration histogram on /metrics. */
function meanPhaseSeconds(phase: string): number | undefined {
  const read = (what: string) =>
    new RegExp(
      `^adaptd_adaptation_duration_seconds_${what}\\{phase="${phase}"\\} (\\S+)$`,
      'm',
    ).exec(exposition)?.[1];
  const sum = read('sum');
  const count = read('count');
  return sum === undefined || count === undefined ? undefined : Number(sum) / Number(count);
}
const result = {
  runs: runIds,
  speed,
  repeats,
  model: config.model.dir,
  steps: config.adaptation.steps,
  strategy: config.adaptation.strategy,
  meanTrainSeconds: meanPhaseSeconds('train'),
  /** The daemon's own share of a run: copying the buffer and writing it for the child. */
  meanSnapshotSeconds: meanPhaseSeconds('snapshot'),
  phases: rows,
  summary: [summary('idle'), summary('adapting')],
};
const fixed = (x: number | undefined, d = 1) => (x === undefined ? 'n/a' : x.toFixed(d));
await writeResults('adaptation', machine, result, [
  `Runs ${runIds.join(', ')} replayed at ${speed}x real time through a private mosquitto into ` +
    `the daemon (model ${result.model}); idle and adapting phases alternated, ${repeats} each; ` +
    `medians over phases. "adapting": the daemon's own engine ran ${result.strategy} for ` +
    `${result.steps} steps in its training process, back to back (mean training ` +
    `${fixed(result.meanTrainSeconds)} s a run; the daemon's own part, copying and writing the ` +
    `buffer snapshot, ${fixed(result.meanSnapshotSeconds, 2)} s); only windows published while ` +
    `a run was under way count. Each row below is one phase, in the order run (idle and ` +
    `adapting alternate), then the medians.`,
  '',
  '| phase | windows | latency p50 ms | latency p99 ms | latency max ms | event-loop delay p99 ms | adaptation runs |',
  '| --- | --- | --- | --- | --- | --- | --- |',
  ...[...rows, ...result.summary.map((s) => ({ ...s, phase: `median ${s.phase}` }))].map(
    (s) =>
      `| ${s.phase} | ${s.windows} | ${fixed(s.latencyMsP50)} | ${fixed(s.latencyMsP99)} | ` +
      `${fixed(s.latencyMsMax)} | ${fixed(s.loopDelayMsP99)} | ${s.rounds.join(', ') || '-'} |`,
  ),
]);
