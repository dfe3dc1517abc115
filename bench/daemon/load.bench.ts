/**
 * Overload of the whole daemon over a real mosquitto. `adaptd run` runs in a process of its
 * own, as production runs it, so the publisher and the sampler here share neither its CPU
 * nor its event loop. With the committed model (windows 64/16) it is fed recorded sensor rows,
 * stamped with the wall clock, at its sustained rate for a warm-up, then at --factor times that
 * rate for --minutes, then at the sustained rate again. Every --sample-ms it samples the
 * daemon's resident set (/proc), its tensors, rows queued and dropped
 * (adaptd_buffer_dropped_total) and unsettled messages (its /metrics), and the lag from sending
 * a window's last row to its prediction arriving on the predictions topic; per phase it reports
 * rows sent and taken, windows scored and dropped, the largest resident set and the lag
 * p50/p99, and how long after the burst the lag was back under the warm-up's p99.
 *
 * The sustained rate is --rate rows/s, or measured first: a --calibrate-seconds flood, and the
 * rate at which the daemon scored windows (windows/s times the stride) is the rate it keeps up
 * with.
 *
 * Run: npm run bench:load [-- --rate 2500] [--minutes 10] [--factor 2]
 * Writes bench/results/load/load.{json,md}.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { connectAsync } from 'mqtt';
import { defaultDataDir, listRuns } from '../../src/data/runCatalog.js';
import { readRun } from '../../src/data/runReader.js';
import { runSteps } from '../../src/transports/replay/runMessages.js';
import { driveLoad, processTarget, type LoadSample } from '../../test/support/loadDriver.js';
import { cpuSeconds, startDaemonProcess } from '../support/daemonProcess.js';
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
    model: { type: 'string', default: 'models/s1-standard' },
    /** mosquitto's max_queued_messages: QoS 1 messages held per client beyond those in flight. */
    'broker-queue': { type: 'string', default: '1000' },
    'window-length': { type: 'string', default: '64' },
    'window-stride': { type: 'string', default: '16' },
    out: { type: 'string', default: 'bench/results/load' },
  },
});
const num = (name: keyof typeof flags) => Number(flags[name]);
const MACHINE = 'mill-load';
const ms = (value: number | null) => (value === null ? '-' : value.toFixed(0));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const tag = `${process.pid}-${Date.now().toString(36)}`;

const [info] = (await listRuns(defaultDataDir())).filter((run) => run.id === flags.run);
if (info === undefined) throw new Error(`run ${flags.run} is not in ${defaultDataDir()}`);
const frame = await readRun(info);
const rows = [...runSteps(frame, 0, 1)].flatMap((step) => step.samples.map((s) => s.values));
const values = (i: number) => rows[i % rows.length]!;

const broker = await benchBroker(['sys_interval 1', `max_queued_messages ${num('broker-queue')}`]);
// What the broker itself counts as dropped (queue limits), from its $SYS tree.
let brokerDropped = 0;
const sys = await connectAsync(broker.url, { reconnectPeriod: 0 });
sys.on('message', (_topic, payload) => {
  brokerDropped = Number(payload.toString('utf8'));
});
await sys.subscribeAsync('$SYS/broker/publish/messages/dropped');
const prefix = `adaptd-load/${tag}`;
const daemon = await startDaemonProcess({
  ADAPTD_MACHINE_ID: MACHINE,
  ADAPTD_MODEL_DIR: flags.model!,
  ADAPTD_MQTT_URL: broker.url,
  ADAPTD_MQTT_TOPIC_PREFIX: prefix,
  ADAPTD_MQTT_CLIENT_ID: `adaptd-load-${tag}`,
  ADAPTD_WINDOW_LENGTH: flags['window-length']!,
  ADAPTD_WINDOW_STRIDE: flags['window-stride']!,
  ADAPTD_WINDOW_REORDER_ROWS: '0',
  ADAPTD_LOG_LEVEL: 'warn',
});
const target = processTarget({
  pid: daemon.pid,
  base: daemon.base,
  url: broker.url,
  predictionsTopic: `${prefix}/${MACHINE}/predictions`,
});
const topic = `${prefix}/${MACHINE}/sensors`;
const stride = num('window-stride');
const length = num('window-length');
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
  let calibration: { seconds: number; windows: number; rowsSent: number } | null = null;
  if (rate === undefined) {
    const seconds = num('calibrate-seconds');
    const flood = await driveLoad({
      target,
      url: broker.url,
      topic,
      rowsPerMessage,
      values,
      sampleMs: num('sample-ms'),
      onSample: log,
      phases: [{ name: 'calibrate', rowsPerSecond: 50_000, seconds }],
    });
    rate = Math.floor((flood.summaries[0]!.windows * stride) / seconds);
    calibration = { seconds, windows: flood.summaries[0]!.windows, rowsSent: flood.rowsSent };
    process.stderr.write(`sustained rate: ${rate} rows/s\n`);
  }
  const burstRate = Math.round(rate * num('factor'));
  await sleep(1500);
  const brokerDroppedBefore = brokerDropped;
  const cpuBefore = await cpuSeconds(daemon.pid);
  const wallBefore = performance.now();
  const run = await driveLoad(
    {
      target,
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
  const daemonCpuShare =
    ((await cpuSeconds(daemon.pid)) - cpuBefore) / ((performance.now() - wallBefore) / 1000);
  await sleep(1500); // one more $SYS update
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
    model: flags.model,
    window: { length, stride },
    daemonInItsOwnProcess: true,
    calibration,
    daemonCpuShare,
    phases: run.summaries.map((p) => ({ ...p, windowsDropped: p.rowsDropped / length })),
    recoveredAfterSeconds:
      recovered === undefined || burstEnd === undefined ? null : recovered.at - burstEnd.at,
    rowsLostBeforeTheDaemon: run.rowsNotTaken,
    brokerQueue: num('broker-queue'),
    messagesDroppedByTheBroker: brokerDropped - brokerDroppedBefore,
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
      `rows sent but never taken (lost before the daemon): ${result.rowsLostBeforeTheDaemon}, ` +
      `messages the broker counted as dropped ($SYS, max_queued_messages ` +
      `${result.brokerQueue}): ${result.messagesDroppedByTheBroker}; ` +
      `the daemon's process used ${daemonCpuShare.toFixed(2)} of a core over the load.`,
  ].join('\n');
  await mkdir(flags.out!, { recursive: true });
  await writeFile(`${flags.out}/load.json`, `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(`${flags.out}/load.md`, `${table}\n`);
  process.stdout.write(`${table}\n`);
} finally {
  await sys.endAsync();
  daemon.child.kill('SIGTERM');
  await daemon.exited;
  await broker.stop();
}
