/**
 * Sustained throughput of the whole daemon over a real mosquitto: recorded runs replayed at full
 * speed into a running daemon (the committed model, windows 64/16), until the last prediction is
 * out. Reports sensor rows per second end to end, predictions per second, and the window latency
 * (cut to published) p50, p99 and max, next to the ceiling a bare subscriber reaches on the same
 * replay (mqtt.js, JSON.parse, no validation). The replay publisher runs in a process of its own
 * (bench/support/replayChild.ts, the runs read into its memory first), so this process holds the
 * daemon alone: its heap, its garbage collections (pauses over the phase are reported beside the
 * latency, with the event-loop delay p99) and its CPU time. Medians over repeats; single-row and
 * 32-row messages; idle, and while adaptation rounds run back to back in a training process
 * beside the daemon (bench/compare/adaptLoad.ts: adaptd's alignment loop, as the
 * engine's ChildTrainer runs it). Rows are counted twice: taken in, and scored (windows
 * published times the stride; fewer when a flood outruns the model and the bounded queue drops
 * windows). Also both per CPU-second of the daemon, and the machines of 4 rows per second that
 * one core carries at the lower of the two. Writes
 * bench/results/daemon/daemon.{json,md} and prints the Markdown.
 *
 * Run: npm run bench:daemon
 * Env: BENCH_MQTT_URL (default: a private mosquitto started here on a free loopback port),
 * BENCH_RUNS (default runs 001 to 003 of pocket, face, adaptive and pocket150025),
 * BENCH_REPEATS (3), BENCH_ADAPTING (1; 0 measures idle only), BENCH_ADAPT_NICE (10: the
 * training process runs that much nicer than the daemon, as the engine starts it; 0 puts them
 * level), BENCH_SPEED (max; a number paces the replay at that multiple of real time and writes
 * bench/results/daemon-paced/ instead, for latency below saturation), ADAPTD_MODEL_DIR,
 * ADAPTD_DATA_DIR.
 */
import { connectAsync } from 'mqtt';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { loadConfig } from '../../src/config/loadConfig.js';
import { silentLogger } from '../../src/log.js';
import { Daemon } from '../../src/service/daemon.js';
import { createTransports } from '../../src/service/transports.js';
import { startAdaptLoad, type AdaptLoad } from '../compare/adaptLoadProcess.js';
import { fixed, machineInfo, writeResults } from '../support/benchSupport.js';
import { benchBroker } from '../support/mosquitto.js';
import { startReplayProcess, type ReplayProcess } from '../support/replayProcess.js';

const DEFAULT_RUNS = ['pocket', 'face', 'adaptive', 'pocket150025']
  .flatMap((group) => ['001', '002', '003'].map((n) => `${group}_${n}`))
  .join(',');
const runIds = (process.env.BENCH_RUNS ?? DEFAULT_RUNS).split(',');
const repeats = Number(process.env.BENCH_REPEATS ?? '3');
const adapting = process.env.BENCH_ADAPTING !== '0';
/** Niceness of the training process above the daemon's: 10 as the engine runs it, 0 for equal. */
const adaptNice = Number(process.env.BENCH_ADAPT_NICE ?? '10');
/** Replay speed: 'max' (a flood, for throughput) or a multiple of real time (paced, for latency). */
const speed: number | 'max' =
  (process.env.BENCH_SPEED ?? 'max') === 'max' ? 'max' : Number(process.env.BENCH_SPEED);
const machine = await machineInfo();
const tag = `${process.pid}-${Date.now().toString(36)}`;
const MACHINE = 'mill-bench';
const DAEMON_PREFIX = `adaptd-bench/${tag}`;
// The bare subscriber gets topics of its own, so the daemon does not work while it is measured.
const BARE_PREFIX = `adaptd-bench-bare/${tag}`;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Replays the runs into the daemon and waits until predictions stop coming. */
async function throughDaemon(daemon: Daemon, publisher: ReplayProcess, batchRows: number) {
  // Latencies only: holding the predictions (windows and embeddings) would grow the heap measured.
  const latencies: number[] = [];
  let lastAt = performance.now();
  const subscription = daemon.predictions$.subscribe((p) => {
    latencies.push(p.latencyMs);
    lastAt = performance.now();
  });
  // What sets the tail: garbage-collection pauses and event-loop delay over the same stretch.
  const gcPauses: number[] = [];
  const gcObserver = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcPauses.push(entry.duration);
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();
  const began = performance.now();
  const cpuBefore = process.cpuUsage();
  let cpuAtLast = cpuBefore;
  const cpuTracker = daemon.predictions$.subscribe(() => {
    cpuAtLast = process.cpuUsage();
  });
  const result = await publisher.replay({
    prefix: DAEMON_PREFIX,
    speed,
    batchRows,
    startMs: start(),
  });
  while (performance.now() - lastAt < 2_000) await sleep(100);
  subscription.unsubscribe();
  cpuTracker.unsubscribe();
  gcObserver.disconnect();
  loopDelay.disable();
  const seconds = (lastAt - began) / 1000;
  const cpuSeconds = (cpuAtLast.user - cpuBefore.user + cpuAtLast.system - cpuBefore.system) / 1e6;
  latencies.sort((a, b) => a - b);
  return {
    rows: result.samples,
    windows: latencies.length,
    rowsPerSecond: result.samples / seconds,
    rowsPerCpuSecond: result.samples / cpuSeconds,
    // Rows the scored windows stand for (each window advances `stride` rows): what the daemon
    // keeps up with when the replay outruns it and the queue drops windows.
    scoredRowsPerSecond: (latencies.length * stride) / seconds,
    scoredRowsPerCpuSecond: (latencies.length * stride) / cpuSeconds,
    windowsPerSecond: latencies.length / seconds,
    latencyMsP50: quantile(latencies, 0.5),
    latencyMsP99: quantile(latencies, 0.99),
    latencyMsMax: latencies.at(-1) ?? Number.NaN,
    gcPausesOver10Ms: gcPauses.filter((ms) => ms > 10).length,
    gcPauseMsMax: Math.max(0, ...gcPauses),
    loopDelayMsP99: loopDelay.percentile(99) / 1e6,
  };
}

/** The same replay to a bare subscriber that only parses each message. */
async function throughBareSubscriber(url: string, publisher: ReplayProcess, batchRows: number) {
  const client = await connectAsync(url, { clientId: `bare-${tag}`, reconnectPeriod: 0 });
  let rows = 0;
  let lastAt = performance.now();
  client.on('message', (_topic, payload) => {
    const message = JSON.parse(payload.toString('utf8')) as { samples?: unknown[] };
    rows += message.samples?.length ?? 1;
    lastAt = performance.now();
  });
  await client.subscribeAsync(`${BARE_PREFIX}/${MACHINE}/sensors`, { qos: 1 });
  const began = performance.now();
  const result = await publisher.replay({
    prefix: BARE_PREFIX,
    speed,
    batchRows,
    startMs: start(),
  });
  while (rows < result.samples) await sleep(20);
  await client.endAsync();
  return { rows, rowsPerSecond: rows / ((lastAt - began) / 1000) };
}

/** Each replay gets its own stretch of time, well apart from the one before. */
let nextStart = Date.now() - 6 * 3_600_000;
function start(): number {
  nextStart += 3_600_000;
  return nextStart;
}

const mosquitto = await benchBroker();
const config = loadConfig({
  env: {
    ...process.env,
    ADAPTD_MACHINE_ID: MACHINE,
    ADAPTD_MQTT_URL: mosquitto.url,
    ADAPTD_MQTT_TOPIC_PREFIX: DAEMON_PREFIX,
    ADAPTD_MQTT_CLIENT_ID: `adaptd-bench-${tag}`,
    ADAPTD_HTTP_PORT: '0',
    ADAPTD_LOG_LEVEL: 'warn',
  },
}).config;
const stride = config.windows.stride;
const daemon = new Daemon({
  config,
  logger: silentLogger,
  version: 'bench',
  transports: createTransports,
});
await daemon.start();
const replayer = await startReplayProcess({
  url: mosquitto.url,
  machine: MACHINE,
  runIds,
  prefixes: [DAEMON_PREFIX, BARE_PREFIX],
});

/** Daemon and bare-subscriber runs alternated, `repeats` times, for each message size. */
async function measure(phase: 'idle' | 'adapting', load?: AdaptLoad) {
  const out = [];
  for (const batchRows of [1, 32]) {
    const daemonRuns = [];
    const bareRuns = [];
    for (let r = 0; r < repeats; r += 1) {
      daemonRuns.push(await throughDaemon(daemon, replayer, batchRows));
      bareRuns.push(await throughBareSubscriber(mosquitto.url, replayer, batchRows));
    }
    const rowsPerCpuSecond = median(daemonRuns.map((x) => x.rowsPerCpuSecond));
    const scoredPerCpuSecond = median(daemonRuns.map((x) => x.scoredRowsPerCpuSecond));
    const row = {
      phase,
      batchRows,
      rows: daemonRuns[0]!.rows,
      windows: median(daemonRuns.map((x) => x.windows)),
      daemonRowsPerSecond: Math.round(median(daemonRuns.map((x) => x.rowsPerSecond))),
      rowsPerCpuSecond: Math.round(rowsPerCpuSecond),
      scoredRowsPerSecond: Math.round(median(daemonRuns.map((x) => x.scoredRowsPerSecond))),
      scoredRowsPerCpuSecond: Math.round(scoredPerCpuSecond),
      machinesPerCore: Math.floor(Math.min(rowsPerCpuSecond, scoredPerCpuSecond) / 4),
      windowsPerSecond: Number(median(daemonRuns.map((x) => x.windowsPerSecond)).toFixed(1)),
      latencyMsP50: Number(median(daemonRuns.map((x) => x.latencyMsP50)).toFixed(1)),
      latencyMsP99: Number(median(daemonRuns.map((x) => x.latencyMsP99)).toFixed(1)),
      latencyMsMax: Number(median(daemonRuns.map((x) => x.latencyMsMax)).toFixed(1)),
      gcPausesOver10Ms: median(daemonRuns.map((x) => x.gcPausesOver10Ms)),
      gcPauseMsMax: Number(median(daemonRuns.map((x) => x.gcPauseMsMax)).toFixed(1)),
      loopDelayMsP99: Number(median(daemonRuns.map((x) => x.loopDelayMsP99)).toFixed(1)),
      bareRowsPerSecond: Math.round(median(bareRuns.map((x) => x.rowsPerSecond))),
      adaptationRoundsDone: load?.rounds.length,
    };
    console.error(JSON.stringify(row));
    out.push(row);
  }
  return out;
}

const rows = await measure('idle');
let adaptationRoundMs: number | undefined;
if (adapting) {
  const load = await startAdaptLoad(config.model.dir, adaptNice);
  try {
    // The first round under way, so the daemon is measured against training, not loading.
    while (load.rounds.length === 0) await sleep(200);
    rows.push(...(await measure('adapting', load)));
    adaptationRoundMs = median(load.rounds);
  } finally {
    await load.stop();
  }
}
const exposition = await daemon.registry.metrics();
const dropped = /^adaptd_buffer_dropped_total\{stage="inference"\} (\S+)$/m.exec(exposition)?.[1];
await replayer.stop();
await daemon.stop('bench over');
await mosquitto.stop();

const result = {
  runs: runIds,
  speed,
  repeats,
  model: config.model.dir,
  window: { length: config.windows.length, stride: config.windows.stride },
  droppedRows: Number(dropped ?? 0),
  adaptationRoundMs,
  adaptNice,
  results: rows,
};
await writeResults(speed === 'max' ? 'daemon' : 'daemon-paced', machine, result, [
  `Runs ${runIds.join(', ')} (${rows[0]!.rows} rows) replayed ` +
    `${speed === 'max' ? 'at full speed' : `at ${speed} times real time`} through a private ` +
    `mosquitto into the daemon (windows ${result.window.length}/${result.window.stride}, model ` +
    `${result.model}); median of ${repeats}; rows dropped ${result.droppedRows}. "adapting": ` +
    `adaptation rounds (20 steps, adapters + head, CE + MMD + DANN) ran back to back in a ` +
    `separate training process throughout, niceness ${adaptNice} above the daemon's` +
    (adaptationRoundMs === undefined ? '' : ` (median round ${fixed(adaptationRoundMs, 0)} ms)`) +
    '. The replay publisher runs in a process of its own: rows per CPU-second and the GC ' +
    "pauses are the daemon's alone.",
  '',
  '| phase | rows per message | rows taken/s (wall) | rows taken per CPU-second | rows scored/s (windows x stride) | rows scored per CPU-second | machines at 4 rows/s per core | windows/s | latency p50 ms | latency p99 ms | latency max ms | GC pauses > 10 ms | longest GC pause ms | event-loop delay p99 ms | bare subscriber rows/s |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ...rows.map(
    (r) =>
      `| ${r.phase} | ${r.batchRows} | ${r.daemonRowsPerSecond} | ${r.rowsPerCpuSecond} | ` +
      `${r.scoredRowsPerSecond} | ${r.scoredRowsPerCpuSecond} | ` +
      `${r.machinesPerCore} | ${r.windowsPerSecond} | ${r.latencyMsP50} | ${r.latencyMsP99} | ` +
      `${r.latencyMsMax} | ${r.gcPausesOver10Ms} | ${r.gcPauseMsMax} | ${r.loopDelayMsP99} | ` +
      `${r.bareRowsPerSecond} |`,
  ),
]);
