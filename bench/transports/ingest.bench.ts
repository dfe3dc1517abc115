/**
 * Sustained intake through the messaging edge alone (no windows, no model): recorded runs
 * replayed at full speed by an InputPublisher, received, validated and settled by the matching
 * InputSource. Reports rows per second end to end (the runs are read beforehand, so reading
 * CSV files is not counted) and the publish-to-receipt time of sensor messages (p50, p99), for
 * single-row and batched messages.
 *
 * Run: npx tsx bench/transports/ingest.bench.ts
 * Env: BENCH_MQTT_URL (default: an embedded aedes broker), BENCH_KAFKA_BROKERS (optional, adds
 * a Kafka run), BENCH_RUNS (default pocket_001,adaptive_001,face_001), ADAPTD_DATA_DIR.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { defaultDataDir, listRuns, type RunInfo } from '../../src/data/runCatalog.js';
import { readRun } from '../../src/data/runReader.js';
import { silentLogger } from '../../src/log.js';
import { EmbeddedBroker } from '../../src/transports/embeddedBroker.js';
import type { InputPublisher } from '../../src/transports/inputPublisher.js';
import type { InputSource } from '../../src/transports/inputSource.js';
import { KafkaInput } from '../../src/transports/kafka/kafkaInput.js';
import { KafkaInputPublisher } from '../../src/transports/kafka/kafkaInputPublisher.js';
import { KafkajsClient } from '../../src/transports/kafka/kafkajsClient.js';
import { samplesOf } from '../../src/transports/messages/sensorMessage.js';
import { KafkaTopics, MqttTopics } from '../../src/transports/messages/topics.js';
import type { MqttConnectionSettings } from '../../src/transports/mqtt/mqttConnection.js';
import { MqttInput } from '../../src/transports/mqtt/mqttInput.js';
import { MqttInputPublisher } from '../../src/transports/mqtt/mqttInputPublisher.js';
import { replayRuns } from '../../src/transports/replay/replay.js';
import { selectRuns } from '../../src/transports/replay/selectRuns.js';

interface Pair {
  name: string;
  source: InputSource;
  publisher: InputPublisher;
}

const runIds = (process.env.BENCH_RUNS ?? 'pocket_001,adaptive_001,face_001').split(',');
const runs = selectRuns(await listRuns(defaultDataDir()), { runs: runIds });
const frames = new Map(
  await Promise.all(runs.map(async (run) => [run, await readRun(run)] as const)),
);
const read = (run: RunInfo) => Promise.resolve(frames.get(run)!);
const tag = `${process.pid}-${Date.now().toString(36)}`;

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

/** Replays the runs through one publisher/source pair and measures what arrives. */
async function measure(pair: Pair, batchRows: number) {
  const sentAt = new Map<number, number>();
  const transit: number[] = [];
  let rows = 0;
  let expected = Number.POSITIVE_INFINITY;
  let finished: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finished = resolve));
  const subscription = pair.source.events$.subscribe((event) => {
    if (event.stream === 'sensors') {
      const samples = samplesOf(event.payload);
      const sent = sentAt.get(samples[0]!.ts);
      if (sent !== undefined) transit.push(performance.now() - sent);
      rows += samples.length;
    }
    void event.settle();
    if (rows >= expected) finished();
  });
  const timed: InputPublisher = {
    start: () => Promise.resolve(),
    stop: () => Promise.resolve(),
    publish: (stream, payload) => {
      if (stream === 'sensors') {
        const first = samplesOf(payload as Parameters<typeof samplesOf>[0])[0]!;
        sentAt.set(first.ts, performance.now());
      }
      return pair.publisher.publish(stream, payload);
    },
  };
  const startMs = Date.now();
  const began = performance.now();
  const result = await replayRuns({
    runs,
    publisher: timed,
    speed: 'max',
    batchRows,
    startMs,
    read,
  });
  expected = result.samples;
  if (rows >= expected) finished();
  await done;
  const seconds = (performance.now() - began) / 1000;
  subscription.unsubscribe();
  transit.sort((a, b) => a - b);
  return {
    transport: pair.name,
    batchRows,
    rows: result.samples,
    messages: result.sensorMessages + result.gcodeMessages,
    seconds: Number(seconds.toFixed(3)),
    rowsPerSecond: Math.round(result.samples / seconds),
    transitMsP50: Number(quantile(transit, 0.5).toFixed(2)),
    transitMsP99: Number(quantile(transit, 0.99).toFixed(2)),
  };
}

function mqttPair(connection: MqttConnectionSettings, name: string): Pair {
  const topics = new MqttTopics(`adaptd-bench/${tag}`, 'mill-1');
  const source = new MqttInput({
    connection,
    clientId: `adaptd-bench-in-${tag}`,
    topics,
    sessionExpirySeconds: 60,
    logger: silentLogger,
  });
  const publisher = new MqttInputPublisher({
    connection,
    clientId: `adaptd-bench-out-${tag}`,
    topics,
    logger: silentLogger,
  });
  return { name, source, publisher };
}

function kafkaPair(brokers: string[]): Pair {
  const topics = new KafkaTopics(`adaptd-bench-${tag}`);
  const client = (role: string) =>
    new KafkajsClient({ clientId: `adaptd-bench-${role}`, brokers, logger: silentLogger });
  return {
    name: 'kafka',
    source: new KafkaInput({
      client: client('in'),
      topics,
      machine: 'mill-1',
      groupId: `adaptd-bench-${tag}`,
      fromBeginning: false,
      logger: silentLogger,
    }),
    publisher: new KafkaInputPublisher({ client: client('out'), topics, machine: 'mill-1' }),
  };
}

const results = [];
const embedded =
  process.env.BENCH_MQTT_URL === undefined
    ? new EmbeddedBroker({ logger: silentLogger })
    : undefined;
const pairs: Pair[] = [
  embedded === undefined
    ? mqttPair({ url: process.env.BENCH_MQTT_URL! }, 'mqtt')
    : mqttPair({ url: await embedded.start(), protocolVersion: 4 }, 'mqtt-embedded'),
];
if (process.env.BENCH_KAFKA_BROKERS !== undefined) {
  pairs.push(kafkaPair(process.env.BENCH_KAFKA_BROKERS.split(',')));
}
for (const pair of pairs) {
  await pair.source.start();
  await pair.publisher.start();
  for (const batchRows of [1, 32]) {
    const row = await measure(pair, batchRows);
    console.log(JSON.stringify(row));
    results.push(row);
  }
  await pair.publisher.stop();
  await pair.source.stop();
}
await embedded?.stop();
await mkdir('bench/results', { recursive: true });
await writeFile(
  'bench/results/transports-ingest.json',
  `${JSON.stringify({ runs: runIds, at: new Date().toISOString(), results }, null, 2)}\n`,
);
