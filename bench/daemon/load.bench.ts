/**
 * Overload of the whole daemon over a real mosquitto: the committed model (windows 64/16) is
 * fed recorded sensor rows, stamped with the wall clock, at its sustained rate for a warm-up,
 * then at --factor times that rate for --minutes, then at the sustained rate again. Every
 * --sample-ms it samples the resident set, the V8 heap, TensorFlow.js tensors, rows queued and
 * dropped (adaptd_buffer_dropped_total), unsettled messages and the lag from sending a window's last row
 * to its prediction; per phase it reports rows sent and taken, windows scored and dropped, the
 * largest resident set and the lag p50/p99, and how long after the burst the lag was back
 * under the warm-up's p99.
 *
 * The sustained rate is --rate rows/s, or measured first: a --calibrate-seconds flood, and the
 * rate at which the model scored windows (windows/s times the stride) is the rate it keeps up
 * with.
 *
 * Run: npx tsx bench/daemon/load.bench.ts [--rate 2000] [--minutes 10] [--factor 2]
 * Writes bench/results/load/load.{json,md}.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../src/config/loadConfig.js';
import { defaultDataDir, listRuns } from '../../src/data/runCatalog.js';
import { readRun } from '../../src/data/runReader.js';
import { silentLogger } from '../../src/log.js';
import { Daemon } from '../../src/service/daemon.js';
import { createTransports } from '../../src/service/transports.js';
import { runSteps } from '../../src/transports/replay/runMessages.js';
import { driveLoad, type LoadSample } from '../../test/support/loadDriver.js';
import { benchBroker } from '../support/mosquitto.js';

const { values: flags } = parseArgs({
  options: {
    rate: { type: 'string' },
    minutes: { type: 'string', default: '10' },
    factor: { type: 'string', default: '2' },
    'warm-seconds': { type: 'string', default: '60' },
    'recover-seconds': { type: 'string', default: '180' },
    'calibrate-seconds': { type: 'string', default: '30' },
    'rows-per-message': { type: 'string', default: '1' },
    'sample-ms': { type: 'string', default: '5000' },
    run: { type: 'string', default: 'pocket_001' },
    out: { type: 'string', default: 'bench/results/load' },
  },
});
const num = (name: keyof typeof flags) => Number(flags[name]);
const MACHINE = 'mill-load';
const ms = (value: number | null) => (value === null ? '-' : value.toFixed(0));
const tag = `${process.pid}-${Date.now().toString(36)}`;

const [info] = (await listRuns(defaultDataDir())).filter((run) => run.id === flags.run);
if (info === undefined) throw new Error(`run ${flags.run} is not in ${defaultDataDir()}`);
const frame = await readRun(info);
const rows = [...runSteps(frame, 0, 1)].flatMap((step) => step.samples.map((s) => s.values));
const values = (i: number) => rows[i % rows.length]!;

const broker = await benchBroker();
const config = loadConfig({
  env: {
    ...process.env,
    ADAPTD_MACHINE_ID: MACHINE,
    ADAPTD_MQTT_URL: broker.url,
    ADAPTD_MQTT_TOPIC_PREFIX: `adaptd-load/${tag}`,
    ADAPTD_MQTT_CLIENT_ID: `adaptd-load-${tag}`,
    ADAPTD_HTTP_PORT: '0',
    ADAPTD_WINDOW_REORDER_ROWS: '0',
  },
}).config;
const daemon = new Daemon({
  config,
  logger: silentLogger,
  version: 'bench',
  transports: createTransports,
  defaultMetrics: false,
});
await daemon.start();
const topic = `adaptd-load/${tag}/${MACHINE}/sensors`;
const stride = config.windows.stride;
const length = config.windows.length;
const rowsPerMessage = num('rows-per-message');
const log = (sample: LoadSample) =>
  process.stderr.write(
    `[${sample.phase} ${sample.at.toFixed(0)}s] sent ${sample.rowsSent} taken ` +
      `${sample.rowsAccepted} windows ${sample.windows} dropped ${sample.rowsDropped / length} ` +
      `unsettled ${sample.unsettled} rss ${sample.rssMb.toFixed(0)} MB tensors ` +
      `${sample.tensors} lag p99 ${sample.lagMsP99 ?? '-'} ms\n`,
  );

try {
  let rate = flags.rate === undefined ? undefined : Number(flags.rate);
  if (rate === undefined) {
    const seconds = num('calibrate-seconds');
    const flood = await driveLoad({
      daemon,
      url: broker.url,
      topic,
      rowsPerMessage,
      values,
      sampleMs: num('sample-ms'),
      onSample: log,
      phases: [{ name: 'calibrate', rowsPerSecond: 50_000, seconds }],
    });
    rate = Math.floor((flood.summaries[0]!.windows * stride) / seconds);
    process.stderr.write(`sustained rate: ${rate} rows/s\n`);
  }
  const burstRate = Math.round(rate * num('factor'));
  const run = await driveLoad(
    {
      daemon,
      url: broker.url,
      topic,
      rowsPerMessage,
      values,
      sampleMs: num('sample-ms'),
      onSample: log,
      phases: [
        { name: 'warm', rowsPerSecond: rate, seconds: num('warm-seconds') },
        { name: 'burst', rowsPerSecond: burstRate, seconds: num('minutes') * 60 },
        { name: 'recover', rowsPerSecond: rate, seconds: num('recover-seconds') },
      ],
    },
    300_000,
  );
  const warm = run.summaries[0]!;
  const burstEnd = run.samples.filter((s) => s.phase !== 'recover' && s.phase !== 'drain').at(-1);
  const recovered = run.samples.find(
    (s) =>
      s.phase === 'recover' &&
      s.lagMsP99 !== null &&
      warm.lagMsP99 !== null &&
      s.lagMsP99 <= warm.lagMsP99,
  );
  const result = {
    sustainedRowsPerSecond: rate,
    burstRowsPerSecond: burstRate,
    rowsPerMessage,
    model: config.model.dir,
    phases: run.summaries.map((p) => ({ ...p, windowsDropped: p.rowsDropped / length })),
    recoveredAfterSeconds:
      recovered === undefined || burstEnd === undefined ? null : recovered.at - burstEnd.at,
    rowsLostBeforeTheDaemon: run.rowsNotTaken,
    samples: run.samples,
  };
  const table = [
    '| phase | rows/s | s | rows sent | rows taken | windows | windows dropped | max RSS MB | max tensors | max unsettled | lag p50 ms | lag p99 ms |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...result.phases.map(
      (p) =>
        `| ${p.name} | ${p.rowsPerSecond} | ${p.seconds} | ${p.rowsSent} | ${p.rowsAccepted} | ` +
        `${p.windows} | ${p.windowsDropped} | ${p.maxRssMb.toFixed(0)} | ${p.maxTensors} | ` +
        `${p.maxUnsettled} | ${ms(p.lagMsP50)} | ${ms(p.lagMsP99)} |`,
    ),
    '',
    `Lag back under the warm-up p99 ${result.recoveredAfterSeconds === null ? 'not within the recovery phase' : `${result.recoveredAfterSeconds.toFixed(0)} s after the burst`}; ` +
      `rows sent but never taken (lost before the daemon): ${result.rowsLostBeforeTheDaemon}.`,
  ].join('\n');
  await mkdir(flags.out!, { recursive: true });
  await writeFile(`${flags.out}/load.json`, `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(`${flags.out}/load.md`, `${table}\n`);
  process.stdout.write(`${table}\n`);
} finally {
  await daemon.stop('bench done');
  await broker.stop();
}
