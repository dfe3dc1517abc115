/**
 * The replay publisher of bench/daemon/throughput.bench.ts, in a process of its own, so that
 * the recorded runs, their JSON encoding and the publishing share neither the daemon's heap,
 * its garbage collections nor its CPU time. Reads the runs once, connects a publisher per topic
 * prefix, says `ready`, then takes one ReplayRequest a line on stdin and answers each with one
 * ReplayAnswer line once the replay is published. Ends when stdin closes.
 *
 * Run by bench/support/replayProcess.ts:
 * node [tsx flags] replayChild.ts URL MACHINE RUN,RUN,... PREFIX,PREFIX,...
 */
import { createInterface } from 'node:readline';
import { defaultDataDir, listRuns, type RunInfo } from '../../src/data/runCatalog.js';
import type { RunFrame } from '../../src/data/runFrame.js';
import { readRun } from '../../src/data/runReader.js';
import { silentLogger } from '../../src/log.js';
import { MqttTopics } from '../../src/transports/messages/topics.js';
import { MqttInputPublisher } from '../../src/transports/mqtt/mqttInputPublisher.js';
import { replayRuns } from '../../src/transports/replay/replay.js';
import { selectRuns } from '../../src/transports/replay/selectRuns.js';
import type { ReplayAnswer, ReplayRequest } from './replayProcess.js';

const [url, machine, runList, prefixList] = process.argv.slice(2);
if (url === undefined || machine === undefined || runList === undefined || !prefixList) {
  throw new Error('usage: replayChild.ts MQTT_URL MACHINE RUN,RUN,... PREFIX,PREFIX,...');
}
const runs = selectRuns(await listRuns(defaultDataDir()), { runs: runList.split(',') });
const frames = new Map<string, RunFrame>();
for (const run of runs) frames.set(run.id, await readRun(run));
const read = (run: RunInfo) => Promise.resolve(frames.get(run.id)!);

const publishers = new Map<string, MqttInputPublisher>();
for (const prefix of prefixList.split(',')) {
  const publisher = new MqttInputPublisher({
    connection: { url },
    clientId: `${prefix.replaceAll('/', '-')}-pub-${process.pid}`,
    topics: new MqttTopics(prefix, machine),
    logger: silentLogger,
  });
  await publisher.start();
  publishers.set(prefix, publisher);
}

process.stdout.write('ready\n');
for await (const line of createInterface({ input: process.stdin })) {
  const request = JSON.parse(line) as ReplayRequest;
  const result = await replayRuns({
    runs,
    publisher: publishers.get(request.prefix)!,
    speed: request.speed,
    ...(request.batchRows === undefined ? {} : { batchRows: request.batchRows }),
    startMs: request.startMs,
    read,
  });
  const answer: ReplayAnswer = { samples: result.samples, nextStartMs: result.nextStartMs };
  process.stdout.write(`${JSON.stringify(answer)}\n`);
}
for (const publisher of publishers.values()) await publisher.stop();
