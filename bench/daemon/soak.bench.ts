/**
 * Memory soak of the daemon as it runs in production: `adaptd run` in a process of its own on
 * a private mosquitto, fed recorded runs at full speed over and over (each replay on its own
 * stretch of time, the next one once the daemon has taken in every row of the last) until at
 * least --rows sensor rows went through, while adaptation rounds (20 steps, adapters + head,
 * CE + MMD + DANN, adaptd's alignment loop) run back to back in a training process beside
 * it, as the adaptation engine trains in a child process. Sampled every
 * --sample-ms: the daemon's resident set (/proc/PID/status), its TensorFlow.js tensors and
 * rows and windows (its /metrics), and the training process's resident set. Growth: the
 * change between the medians of the first and the last fifth of the samples after the first
 * replay, and the least-squares slope over the second half in MB per 100,000 rows.
 * Run: npm run bench:soak [-- --rows 500000]
 * Writes bench/results/soak/soak.{json,md}.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultDataDir, listRuns, type RunInfo } from '../../src/data/runCatalog.js';
import type { RunFrame } from '../../src/data/runFrame.js';
import { readRun } from '../../src/data/runReader.js';
import { silentLogger } from '../../src/log.js';
import { MqttTopics } from '../../src/transports/messages/topics.js';
import { MqttInputPublisher } from '../../src/transports/mqtt/mqttInputPublisher.js';
import { replayRuns } from '../../src/transports/replay/replay.js';
import { selectRuns } from '../../src/transports/replay/selectRuns.js';
import { startAdaptLoad } from '../compare/adaptLoadProcess.js';
import { fixed, machineInfo, median, writeResults } from '../support/benchSupport.js';
import { cpuSeconds, rssMb, startDaemonProcess } from '../support/daemonProcess.js';
import { benchBroker } from '../support/mosquitto.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '500000' },
    /** Stops replaying after this long even short of --rows, and says so. */
    'max-minutes': { type: 'string', default: '60' },
    'sample-ms': { type: 'string', default: '2000' },
    model: { type: 'string', default: 'models/s1-standard' },
  },
});
const targetRows = Number(values.rows);
const deadline = performance.now() + Number(values['max-minutes']) * 60_000;
const machine = await machineInfo();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const runIds = [
  'pocket',
  'face',
  'adaptive',
  'pocket150025',
  'face150025',
  'adaptive150025',
].flatMap((g) => [`${g}_001`, `${g}_002`]);
const runs = selectRuns(await listRuns(defaultDataDir()), { runs: runIds });
const frames = new Map<string, RunFrame>();
for (const run of runs) frames.set(run.id, await readRun(run));
const read = (run: RunInfo) => Promise.resolve(frames.get(run.id)!);
const tag = `${process.pid}-${Date.now().toString(36)}`;
const MACHINE = 'mill-soak';
const PREFIX = `adaptd-soak/${tag}`;

const mosquitto = await benchBroker();
const stateDir = await mkdtemp(join(tmpdir(), 'adaptd-soak-state-'));
const daemon = await startDaemonProcess({
  ADAPTD_MODEL_DIR: values.model!,
  ADAPTD_MACHINE_ID: MACHINE,
  ADAPTD_MQTT_URL: mosquitto.url,
  ADAPTD_MQTT_TOPIC_PREFIX: PREFIX,
  ADAPTD_MQTT_CLIENT_ID: `adaptd-soak-${tag}`,
  ADAPTD_STATE_DIR: stateDir,
  ADAPTD_LOG_LEVEL: 'warn',
});
// Whatever happens to this process, the daemon and the training process end with it.
const children: { kill(): void }[] = [];
process.once('exit', () => children.forEach((child) => child.kill()));

/** The daemon's own counters from /metrics (a fresh connection each time, a few tries). */
async function scrape(): Promise<Record<string, number>> {
  let text = '';
  for (let attempt = 0; ; attempt += 1) {
    try {
      const res = await fetch(`${daemon.base}/metrics`, {
        headers: { connection: 'close' },
      });
      text = await res.text();
      break;
    } catch (error) {
      if (attempt >= 5 || daemon.child.exitCode !== null) throw error;
      await sleep(500);
    }
  }
  const out: Record<string, number> = {};
  for (const name of ['adaptd_rows_total', 'adaptd_windows_total', 'adaptd_tensors']) {
    const lines = text.split('\n').filter((l) => l.startsWith(name) && !l.startsWith(`${name}_`));
    out[name] = lines.reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
  }
  const dropped = /^adaptd_buffer_dropped_total\{[^}]*\} (\S+)$/gm;
  out.dropped = [...text.matchAll(dropped)].reduce((sum, m) => sum + Number(m[1]), 0);
  return out;
}
const publisher = new MqttInputPublisher({
  connection: { url: mosquitto.url },
  clientId: `adaptd-soak-pub-${tag}`,
  topics: new MqttTopics(PREFIX, MACHINE),
  logger: silentLogger,
});
await publisher.start();
const load = await startAdaptLoad(values.model);
children.push({
  kill: () => {
    try {
      process.kill(load.pid);
    } catch {
      // already gone
    }
  },
});

interface Sample {
  seconds: number;
  rowsPublished: number;
  rows: number;
  windows: number;
  rssMb: number;
  /** The daemon process's CPU seconds so far. */
  cpuSeconds: number;
  tensors: number;
  trainerRssMb: number;
  adaptationRounds: number;
}
const samples: Sample[] = [];
let published = 0;
const began = performance.now();
const sample = async () => {
  const metrics = await scrape();
  samples.push({
    seconds: (performance.now() - began) / 1000,
    rowsPublished: published,
    rows: metrics.adaptd_rows_total!,
    windows: metrics.adaptd_windows_total!,
    rssMb: await rssMb(daemon.pid),
    cpuSeconds: await cpuSeconds(daemon.pid),
    tensors: metrics.adaptd_tensors!,
    trainerRssMb: await rssMb(load.pid).catch(() => Number.NaN),
    adaptationRounds: load.rounds.length,
  });
};
let sampling = Promise.resolve();
const timer = setInterval(() => {
  sampling = sampling.then(sample).catch((error: unknown) => {
    console.error(`sample failed: ${String(error)}`);
  });
}, Number(values['sample-ms']));
await sample();
let nextStart = Date.now() - 1000 * 3_600_000;
let firstReplayRows = 0;
while (published < targetRows && performance.now() < deadline) {
  const result = await replayRuns({
    runs,
    publisher,
    speed: 'max',
    batchRows: 32,
    startMs: nextStart,
    read,
  });
  nextStart = result.nextStartMs + 3_600_000;
  published += result.samples;
  // The next replay once the daemon has taken in this one: every row, or no new row for 2 s
  // (a row can go uncounted, e.g. one that repeats a time stamp at a run's seam).
  let seen = -1;
  for (let quiet = 0; quiet < 2_000; quiet += 100) {
    const now = (await scrape()).adaptd_rows_total!;
    if (now >= published) break;
    if (now !== seen) quiet = 0;
    seen = now;
    await sleep(100);
  }
  firstReplayRows ||= published;
  const last = samples.at(-1)!;
  console.error(
    `${published} rows, ${last.windows} windows, daemon ${fixed(last.rssMb, 0)} MB, ` +
      `${last.tensors} tensors, trainer ${fixed(last.trainerRssMb, 0)} MB, ${load.rounds.length} rounds`,
  );
}
// Let the last windows through.
let windows = -1;
while ((await scrape()).adaptd_windows_total !== windows) {
  windows = (await scrape()).adaptd_windows_total!;
  await sleep(2_000);
}
clearInterval(timer);
await sampling;
await sample();
const final = await scrape();
await load.stop();
await publisher.stop();
daemon.child.kill('SIGTERM');
await daemon.exited;
await mosquitto.stop();
await rm(stateDir, { recursive: true, force: true });

const settled = samples.filter((s) => s.rowsPublished >= firstReplayRows);
const fifth = Math.max(1, Math.floor(settled.length / 5));
const early = settled.slice(0, fifth);
const late = settled.slice(-fifth);
const secondHalf = settled.slice(Math.floor(settled.length / 2));
/** Least-squares slope of y over x. */
function slope(points: readonly [number, number][]): number {
  const n = points.length;
  const mx = points.reduce((a, p) => a + p[0], 0) / n;
  const my = points.reduce((a, p) => a + p[1], 0) / n;
  const sxy = points.reduce((a, p) => a + (p[0] - mx) * (p[1] - my), 0);
  const sxx = points.reduce((a, p) => a + (p[0] - mx) ** 2, 0);
  return sxx === 0 ? 0 : sxy / sxx;
}
const growth = {
  rssEarlyMb: median(early.map((s) => s.rssMb)),
  rssLateMb: median(late.map((s) => s.rssMb)),
  rssMaxMb: Math.max(...samples.map((s) => s.rssMb)),
  rssSlopeMbPer100kRows: slope(secondHalf.map((s) => [s.rows / 1e5, s.rssMb])),
  tensorsEarly: median(early.map((s) => s.tensors)),
  tensorsLate: median(late.map((s) => s.tensors)),
  tensorsMax: Math.max(...samples.map((s) => s.tensors)),
  trainerRssEarlyMb: median(early.map((s) => s.trainerRssMb)),
  trainerRssLateMb: median(late.map((s) => s.trainerRssMb)),
  trainerRssMaxMb: Math.max(...samples.map((s) => s.trainerRssMb)),
};
const seconds = samples.at(-1)!.seconds;
// Rows per CPU-second of the daemon's process alone (the publisher and the training run in
// other processes): what one core carries.
const first = settled[0] ?? samples[0]!;
const lastSample = samples.at(-1)!;
const rowsPerDaemonCpuSecond =
  (lastSample.rows - first.rows) / (lastSample.cpuSeconds - first.cpuSeconds);
const every = Math.max(1, Math.floor(samples.length / 12));
await writeResults(
  'soak',
  machine,
  {
    targetRows,
    reachedTarget: published >= targetRows,
    rowsPublished: published,
    rows: final.adaptd_rows_total,
    windows: final.adaptd_windows_total,
    droppedRows: final.dropped,
    seconds,
    rowsPerDaemonCpuSecond,
    runs: runIds,
    adaptationRounds: load.rounds.length,
    adaptationRoundMs: median(load.rounds),
    growth,
    samples,
  },
  [
    `${final.adaptd_rows_total} sensor rows (${final.adaptd_windows_total} windows, ` +
      `${final.dropped} rows dropped) through \`adaptd run\` (own process, model ` +
      `${values.model}) over a private mosquitto in ${fixed(seconds, 0)} s ` +
      (published >= targetRows
        ? ''
        : `(stopped at the ${values['max-minutes']}-minute limit, short of ${targetRows} rows) `) +
      `(${fixed(published / seconds, 0)} rows/s), runs ${runIds.join(', ')} replayed at full ` +
      `speed, 32 rows a message, each replay once the daemon had taken in the last; ` +
      `${load.rounds.length} adaptation rounds (median ${fixed(median(load.rounds) / 1000, 1)} s) ran ` +
      `back to back in a separate training process meanwhile. The daemon's process took in ` +
      `${fixed(rowsPerDaemonCpuSecond, 0)} rows per CPU-second of its own (after the first ` +
      `replay): ${fixed(rowsPerDaemonCpuSecond / 4, 0)} machines of 4 rows/s per core.`,
    '',
    `Daemon resident set ${fixed(growth.rssEarlyMb, 0)} MB early -> ` +
      `${fixed(growth.rssLateMb, 0)} MB late (medians of the first and last fifth of the ` +
      `samples after the first replay), maximum ${fixed(growth.rssMaxMb, 0)} MB; slope over the ` +
      `second half ${fixed(growth.rssSlopeMbPer100kRows, 2)} MB per 100,000 rows. TensorFlow.js ` +
      `tensors ${growth.tensorsEarly} -> ${growth.tensorsLate} (maximum ${growth.tensorsMax}). ` +
      `Training process ${fixed(growth.trainerRssEarlyMb, 0)} -> ` +
      `${fixed(growth.trainerRssLateMb, 0)} MB (maximum ${fixed(growth.trainerRssMaxMb, 0)} MB).`,
    '',
    '| s | rows in | windows | daemon RSS MB | tensors | training RSS MB | rounds |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...samples
      .filter((_, i) => i % every === 0 || i === samples.length - 1)
      .map(
        (s) =>
          `| ${fixed(s.seconds, 0)} | ${s.rows} | ${s.windows} | ${fixed(s.rssMb, 0)} | ` +
          `${s.tensors} | ${fixed(s.trainerRssMb, 0)} | ${s.adaptationRounds} |`,
      ),
  ],
);
