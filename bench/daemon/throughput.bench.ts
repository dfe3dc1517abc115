/**
 * Sustained throughput of the whole daemon over a real mosquitto: recorded runs replayed at full
 * speed into a running daemon (the committed model, windows 64/16), until the last prediction is
 * out. Reports sensor rows per second end to end, predictions per second, and the window latency
 * (cut to published) p50 and p99, next to the ceiling a bare subscriber reaches on the same
 * replay (mqtt.js, JSON.parse, no validation). Medians over repeats; single-row and 32-row
 * messages. Writes bench/results/daemon-throughput.json and prints a Markdown table.
 *
 * Run: npx tsx bench/daemon/throughput.bench.ts
 * Env: BENCH_MQTT_URL (default: a private mosquitto started here on a free loopback port),
 * BENCH_RUNS (default pocket_001,adaptive_001,face_001,pocket150025_001,adaptive150025_001),
 * BENCH_REPEATS (3), ADAPTD_MODEL_DIR, ADAPTD_DATA_DIR.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import { loadConfig } from '../../src/config/loadConfig.js';
import { defaultDataDir, listRuns } from '../../src/data/runCatalog.js';
import { silentLogger } from '../../src/log.js';
import type { Prediction } from '../../src/pipeline/inferenceWorker.js';
import { Daemon } from '../../src/service/daemon.js';
import { createTransports } from '../../src/service/transports.js';
import { MqttTopics } from '../../src/transports/messages/topics.js';
import { MqttInputPublisher } from '../../src/transports/mqtt/mqttInputPublisher.js';
import { replayRuns } from '../../src/transports/replay/replay.js';
import { selectRuns } from '../../src/transports/replay/selectRuns.js';

const runIds = (
  process.env.BENCH_RUNS ?? 'pocket_001,adaptive_001,face_001,pocket150025_001,adaptive150025_001'
).split(',');
const repeats = Number(process.env.BENCH_REPEATS ?? '3');
const runs = selectRuns(await listRuns(defaultDataDir()), { runs: runIds });
const tag = `${process.pid}-${Date.now().toString(36)}`;
const MACHINE = 'mill-bench';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A private mosquitto as scripts/services/mosquitto.sh starts one; stopped by the caller. */
async function startMosquitto(): Promise<{ url: string; stop: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'adaptd-bench-mosquitto-'));
  const port = await freePort();
  await writeFile(
    join(dir, 'mosquitto.conf'),
    `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`,
  );
  const child: ChildProcess = spawn(process.env.MOSQUITTO_BIN ?? 'mosquitto', [
    '-c',
    join(dir, 'mosquitto.conf'),
  ]);
  const url = `mqtt://127.0.0.1:${port}`;
  for (let attempt = 0; ; attempt += 1) {
    try {
      await (await connectAsync(url, { reconnectPeriod: 0 })).endAsync();
      break;
    } catch (error) {
      if (attempt > 50) throw error;
      await sleep(100);
    }
  }
  return {
    url,
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Replays the runs into the daemon and waits until predictions stop coming. */
async function throughDaemon(daemon: Daemon, publisher: MqttInputPublisher, batchRows: number) {
  const predictions: Prediction[] = [];
  let lastAt = performance.now();
  const subscription = daemon.predictions$.subscribe((p) => {
    predictions.push(p);
    lastAt = performance.now();
  });
  const began = performance.now();
  const result = await replayRuns({ runs, publisher, speed: 'max', batchRows, startMs: start() });
  while (performance.now() - lastAt < 2_000) await sleep(100);
  subscription.unsubscribe();
  const seconds = (lastAt - began) / 1000;
  const latencies = predictions.map((p) => p.latencyMs).sort((a, b) => a - b);
  return {
    rows: result.samples,
    windows: predictions.length,
    rowsPerSecond: result.samples / seconds,
    windowsPerSecond: predictions.length / seconds,
    latencyMsP50: quantile(latencies, 0.5),
    latencyMsP99: quantile(latencies, 0.99),
  };
}

/** The same replay to a bare subscriber that only parses each message. */
async function throughBareSubscriber(
  url: string,
  publisher: MqttInputPublisher,
  batchRows: number,
) {
  const client = await connectAsync(url, { clientId: `bare-${tag}`, reconnectPeriod: 0 });
  let rows = 0;
  let lastAt = performance.now();
  client.on('message', (_topic, payload) => {
    const message = JSON.parse(payload.toString('utf8')) as { samples?: unknown[] };
    rows += message.samples?.length ?? 1;
    lastAt = performance.now();
  });
  await client.subscribeAsync(`adaptd-bench-bare/${tag}/${MACHINE}/sensors`, { qos: 1 });
  const began = performance.now();
  const result = await replayRuns({ runs, publisher, speed: 'max', batchRows, startMs: start() });
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

const mosquitto =
  process.env.BENCH_MQTT_URL === undefined
    ? await startMosquitto()
    : { url: process.env.BENCH_MQTT_URL, stop: () => Promise.resolve() };
const config = loadConfig({
  env: {
    ...process.env,
    ADAPTD_MACHINE_ID: MACHINE,
    ADAPTD_MQTT_URL: mosquitto.url,
    ADAPTD_MQTT_TOPIC_PREFIX: `adaptd-bench/${tag}`,
    ADAPTD_MQTT_CLIENT_ID: `adaptd-bench-${tag}`,
    ADAPTD_HTTP_PORT: '0',
    ADAPTD_LOG_LEVEL: 'warn',
  },
}).config;
const daemon = new Daemon({
  config,
  logger: silentLogger,
  version: 'bench',
  transports: createTransports,
});
await daemon.start();
const publisher = (prefix: string) =>
  new MqttInputPublisher({
    connection: { url: mosquitto.url },
    clientId: `${prefix}-pub-${tag}`,
    topics: new MqttTopics(`${prefix}/${tag}`, MACHINE),
    logger: silentLogger,
  });
// The bare subscriber gets topics of its own, so the daemon does not work while it is measured.
const toDaemon = publisher('adaptd-bench');
const toBare = publisher('adaptd-bench-bare');
await toDaemon.start();
await toBare.start();

const rows = [];
for (const batchRows of [1, 32]) {
  const daemonRuns = [];
  const bareRuns = [];
  for (let r = 0; r < repeats; r += 1) {
    daemonRuns.push(await throughDaemon(daemon, toDaemon, batchRows));
    bareRuns.push(await throughBareSubscriber(mosquitto.url, toBare, batchRows));
  }
  const row = {
    batchRows,
    rows: daemonRuns[0]!.rows,
    windows: median(daemonRuns.map((x) => x.windows)),
    daemonRowsPerSecond: Math.round(median(daemonRuns.map((x) => x.rowsPerSecond))),
    windowsPerSecond: Number(median(daemonRuns.map((x) => x.windowsPerSecond)).toFixed(1)),
    latencyMsP50: Number(median(daemonRuns.map((x) => x.latencyMsP50)).toFixed(1)),
    latencyMsP99: Number(median(daemonRuns.map((x) => x.latencyMsP99)).toFixed(1)),
    bareRowsPerSecond: Math.round(median(bareRuns.map((x) => x.rowsPerSecond))),
  };
  console.error(JSON.stringify(row));
  rows.push(row);
}
const exposition = await daemon.registry.metrics();
const dropped = /^adaptd_buffer_dropped_total\{stage="inference"\} (\S+)$/m.exec(exposition)?.[1];
await toDaemon.stop();
await toBare.stop();
await daemon.stop('bench over');
await mosquitto.stop();

const result = {
  at: new Date().toISOString(),
  runs: runIds,
  repeats,
  model: config.model.dir,
  window: { length: config.windows.length, stride: config.windows.stride },
  droppedRows: Number(dropped ?? 0),
  results: rows,
};
await mkdir('bench/results', { recursive: true });
await writeFile('bench/results/daemon-throughput.json', `${JSON.stringify(result, null, 2)}\n`);
console.log(
  `runs ${runIds.join(', ')}; windows ${result.window.length}/${result.window.stride}; ` +
    `median of ${repeats}; rows dropped ${result.droppedRows}`,
);
console.log(
  '| rows per message | daemon rows/s | windows/s | latency p50 ms | latency p99 ms | bare subscriber rows/s |',
);
console.log('| --- | --- | --- | --- | --- | --- |');
for (const r of rows) {
  console.log(
    `| ${r.batchRows} | ${r.daemonRowsPerSecond} | ${r.windowsPerSecond} | ${r.latencyMsP50} | ` +
      `${r.latencyMsP99} | ${r.bareRowsPerSecond} |`,
  );
}
