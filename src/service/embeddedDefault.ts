import type { AdaptdConfig } from '../config/loadConfig.js';
import { defaultDataDir, listRuns, type RunInfo } from '../data/runCatalog.js';
import { AdaptdError, isAdaptdError } from '../errors.js';
import type { Logger } from '../log.js';
import { EmbeddedBroker } from '../transports/embeddedBroker.js';
import { MqttTopics } from '../transports/messages/topics.js';
import { MqttInputPublisher } from '../transports/mqtt/mqttInputPublisher.js';
import { replayRuns } from '../transports/replay/replay.js';
import type { Daemon } from './daemon.js';
import { replayPhases } from './replayPhases.js';
import { ReplayReporter } from './replayReporter.js';
import { serve, type ServeOptions } from './serve.js';
import { createTransports } from './transports.js';

const MAX_BATCH_ROWS = 32;

export interface EmbeddedDefaultOptions {
  config: AdaptdConfig;
  logger: Logger;
  version: string;
  /** Where the human lines go (the console). */
  print: (line: string) => void;
  /** Predictions between two progress lines. */
  reportEvery?: number;
  signals?: ServeOptions['signals'];
  onImpatient?: ServeOptions['onImpatient'];
}

/**
 * `adaptd run` with no broker configured: an in-process MQTT broker, the daemon on it, and a
 * replay of recorded runs in three phases (source program, new program, damaged tool), with
 * running accuracy printed as predictions come back. Stops when the replay is done.
 */
export async function runEmbeddedDefault(options: EmbeddedDefaultOptions): Promise<void> {
  const { config, logger, print } = options;
  const dataDir = config.data.dir === '' ? defaultDataDir() : config.data.dir;
  const runs = await recordedRuns(dataDir, logger);
  const broker = new EmbeddedBroker({ logger });
  const url = await broker.start();
  print(`adaptd: no broker configured; in-process MQTT broker at ${url}`);
  try {
    await serve({
      config: { ...config, mqtt: { ...config.mqtt, url } },
      logger,
      version: options.version,
      // aedes speaks MQTT 3.1.1 only.
      transports: (c, l, o) => createTransports(c, l, { ...o, mqttProtocolVersion: 4 }),
      whileRunning: (daemon, signal) => replayAll(daemon, runs, url, options, signal),
      signals: options.signals,
      onImpatient: options.onImpatient,
    });
  } finally {
    await broker.stop();
  }
}

async function recordedRuns(dataDir: string, logger: Logger): Promise<RunInfo[]> {
  const help =
    `the embedded default replays recorded runs, and ${dataDir} holds none. Get them with ` +
    `one command:\n\n  adaptd data download --out ${dataDir}\n\nor point --data (ADAPTD_DATA_DIR) ` +
    'at a copy, or configure a broker (--mqtt-url, --kafka-brokers) to serve a real machine';
  try {
    const runs = await listRuns(dataDir, logger);
    if (runs.length > 0) return runs;
  } catch (error) {
    if (!isAdaptdError(error, 'DATA_NOT_FOUND')) throw error;
  }
  throw new AdaptdError('DATA_NOT_FOUND', help, { context: { dataDir } });
}

async function replayAll(
  daemon: Daemon,
  runs: readonly RunInfo[],
  url: string,
  options: EmbeddedDefaultOptions,
  signal: AbortSignal,
): Promise<void> {
  const { config, logger, print } = options;
  const { host, port } = daemon.httpAddress();
  print(`adaptd: metrics at http://${host}:${port}/metrics; Ctrl-C stops`);
  const reporter = new ReplayReporter(print, options.reportEvery ?? 25);
  const subscription = daemon.predictions$.subscribe((p) => reporter.observe(p));
  subscription.add(daemon.learning.drift$.subscribe((event) => reporter.drift(event)));
  const publisher = new MqttInputPublisher({
    connection: { url, protocolVersion: 4 },
    clientId: `adaptd-replay-${config.machine.id}`,
    topics: new MqttTopics(config.mqtt.topicPrefix, config.machine.id),
    logger,
  });
  await publisher.start();
  try {
    let startMs = Date.now();
    for (const phase of replayPhases(runs, config.demo.runsPerPhase, daemon.trainingRuns())) {
      if (signal.aborted) break;
      if (phase.runs.length === 0) {
        print(`\n== ${phase.name}: no such runs in the data folder, skipped`);
        continue;
      }
      reporter.phase(phase.name, phase.description, phase.runs);
      const result = await replayRuns({
        runs: phase.runs,
        publisher,
        speed: config.demo.speed,
        // As a controller would: a new program is a planned change, not machine drift.
        announcePrograms: true,
        // A row of the recorded runs is up to about 3 kB as JSON: keep messages well under
        // messages.maxBytes however fast the replay goes.
        batchRows: Math.min(config.demo.speed, MAX_BATCH_ROWS),
        startMs,
        onRun: (run) => reporter.span({ ...run, phase: phase.name }),
        signal,
        logger,
      });
      startMs = result.nextStartMs;
    }
    await untilQuiet(daemon, 2_000, 30_000);
  } finally {
    subscription.unsubscribe();
    await publisher.stop();
  }
  print('');
  for (const line of reporter.summary()) print(`adaptd: ${line}`);
}

/** Waits until no prediction has come for `quietMs` (the last windows are through), at most `maxMs`. */
async function untilQuiet(daemon: Daemon, quietMs: number, maxMs: number): Promise<void> {
  let last = Date.now();
  const subscription = daemon.predictions$.subscribe(() => (last = Date.now()));
  const deadline = Date.now() + maxMs;
  try {
    while (Date.now() - last < quietMs && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    subscription.unsubscribe();
  }
}
