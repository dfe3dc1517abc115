import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { connectAsync, type MqttClient } from 'mqtt';
import { silentLogger } from '../../src/log.js';
import { KafkaInputPublisher } from '../../src/transports/kafka/kafkaInputPublisher.js';
import { KafkajsClient } from '../../src/transports/kafka/kafkajsClient.js';
import { KafkaTopics } from '../../src/transports/messages/topics.js';
import {
  SOURCE_HOLDOUT_DOCUMENT,
  sourceHoldoutDocument,
} from '../../src/adaptation/sourceHoldout.js';
import { calibrateArtifact } from '../../src/drift/calibrateArtifact.js';
import { buildSchema, type ChannelSchema } from '../../src/data/channelSchema.js';
import { CONTEXT_SIZE } from '../../src/data/controllerContext.js';
import { Normaliser } from '../../src/data/normaliser.js';
import { defaultDataDir, listRuns, type RunInfo } from '../../src/data/runCatalog.js';
import { readRun } from '../../src/data/runReader.js';
import { buildWindowSet } from '../../src/data/windows.js';
import { labelledWindows, saveModelBundle } from '../../src/model/modelBundle.js';
import { SensorModel } from '../../src/model/sensorModel.js';
import type { Prediction } from '../../src/pipeline/inferenceWorker.js';
import type { InputPublisher } from '../../src/transports/inputPublisher.js';
import type { EventMessage } from '../../src/transports/messages/eventMessage.js';
import type { InputPayloads } from '../../src/transports/messages/payloadSchemas.js';
import type { InputStream } from '../../src/transports/messages/streams.js';
import { replayRuns, type ReplayedRun } from '../../src/transports/replay/replay.js';
import { withDeadline } from '../support/deadline.js';
import { service, servicesSkip, uniqueName } from '../support/services.js';
import { TINY_HEADS } from '../support/tinyBundle.js';
import { tinyConfig } from '../support/tinyModel.js';
import { quietFor } from '../transports/collector.js';
import { bedConfig, seriesValue, startDaemon } from './daemonBed.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MACHINE = 'mill-adapt';
const SOURCE_HOLDOUT = ['face_001', 'pocket_001', 'adaptive_001'];
/** Other source runs the drift reference and thresholds are calibrated on (by run roles). */
const DRIFT_CALIBRATION = [
  'face_003',
  'pocket_003',
  'adaptive_003',
  'face_004',
  'pocket_004',
  'adaptive_004',
  'face_005',
  'pocket_005',
  'adaptive_005',
];
const SOURCE_REPLAY = ['face_002', 'pocket_002'];
/** Target runs of the other program (150025) the adaptation learns from, with operator labels. */
const TARGET_ADAPT = [
  'face150025_002',
  'pocket150025_002',
  'adaptive150025_007',
  'face150025_006',
  'pocket150025_007',
  'adaptive150025_008',
];
/** Alarming windows before the drift counts as sustained: late in the labelled target runs. */
const SUSTAIN_WINDOWS = 128;
/** Later target runs of the same program, scored after the promotion. */
const TARGET_LATER = ['face150025_013', 'pocket150025_011', 'adaptive150025_013'];

/**
 * A tiny untrained model for the schema of the recorded runs (64-row windows) shipping a
 * source holdout cut from standard runs (the champion a trained adapter must beat) and drift
 * thresholds calibrated on other standard runs, as `adaptd drift calibrate` ships them.
 */
async function tinyRunBundle(runs: RunInfo[]) {
  // Whatever backend the process has chosen, or the highest-priority one if none yet.
  await tf.ready();
  const frames = await Promise.all(runs.map((run) => readRun(run)));
  const schema: ChannelSchema = buildSchema(frames, { boards: ['frame_r2', 'y_bed__3'] });
  const normaliser = Normaliser.fit(frames, schema);
  const window = { length: 64, stride: 16 };
  const set = buildWindowSet(frames, schema, normaliser, window);
  const channels = schema.channels.length;
  const indices = Array.from({ length: channels }, (_, c) => c);
  const half = Math.ceil(channels / 2);
  const model = new SensorModel(
    tinyConfig({
      channels,
      windowLength: 64,
      contextSize: CONTEXT_SIZE,
      modalities: [
        { name: 'first', channels: indices.slice(0, half) },
        { name: 'second', channels: indices.slice(half) },
      ],
      heads: TINY_HEADS,
    }),
    11,
  );
  const root = await mkdtemp(join(tmpdir(), 'adaptd-adapt-it-'));
  const dir = join(root, 'model');
  try {
    await saveModelBundle(
      dir,
      { model, schema, normaliser, window },
      {
        version: 'tiny-adapt-it',
        command: 'test',
        trainingData: {},
        documents: {
          [SOURCE_HOLDOUT_DOCUMENT]: sourceHoldoutDocument(
            labelledWindows(set),
            Array.from({ length: set.count }, (_, i) => i),
            runs.map((run) => run.id),
          ),
        },
      },
    );
  } finally {
    model.dispose();
  }
  await calibrateArtifact({
    modelDir: dir,
    dataDir: defaultDataDir(),
    runs: DRIFT_CALIBRATION,
    erts: [1000],
    window: 32,
    streams: 4000,
    seed: 1,
    rotations: 1,
  });
  return { dir, cleanup: () => rm(root, { recursive: true, force: true }) };
}

/** The machine's side: publishes inputs and commands, collects the events and replies. */
interface MachineSide {
  publisher: InputPublisher;
  received(stream: 'events' | 'replies'): unknown[];
}

async function mqttSide(t: TestContext, prefix: string): Promise<MachineSide> {
  const client: MqttClient = await connectAsync(service('mqtt'), {
    clientId: uniqueName('machine'),
    reconnectPeriod: 0,
  });
  t.after(() => client.endAsync(true));
  const topic = (stream: string) => `${prefix}/${MACHINE}/${stream}`;
  const received = new Map<string, unknown[]>();
  client.on('message', (name, payload) => {
    const stream = name.slice(`${prefix}/${MACHINE}/`.length);
    received.set(stream, [...(received.get(stream) ?? []), JSON.parse(payload.toString('utf8'))]);
  });
  await client.subscribeAsync([topic('events'), topic('replies')], { qos: 1 });
  return {
    publisher: {
      start: () => Promise.resolve(),
      stop: () => Promise.resolve(),
      async publish<S extends InputStream>(stream: S, payload: InputPayloads[S]) {
        await client.publishAsync(topic(stream), JSON.stringify(payload), { qos: 1 });
      },
    },
    received: (stream) => received.get(stream) ?? [],
  };
}

async function kafkaSide(t: TestContext, prefix: string): Promise<MachineSide> {
  const client = new KafkajsClient({
    clientId: uniqueName('machine'),
    brokers: [service('kafka')],
    logger: silentLogger,
  });
  await client.connect();
  t.after(() => client.disconnect());
  const outputs = ['events', 'replies'].map((stream) => `${prefix}.${stream}`);
  await client.ensureTopics(outputs.map((topic) => ({ topic, partitions: 1 })));
  const received = new Map<string, unknown[]>();
  const subscription = await client.subscribe(
    { groupId: uniqueName('reader'), topics: outputs, fromBeginning: true },
    (record) => {
      const stream = record.topic.slice(prefix.length + 1);
      const value: unknown = JSON.parse(record.value?.toString('utf8') ?? 'null');
      received.set(stream, [...(received.get(stream) ?? []), value]);
      return Promise.resolve();
    },
  );
  t.after(() => subscription.stop());
  const publisher = new KafkaInputPublisher({
    client: new KafkajsClient({
      clientId: uniqueName('replay'),
      brokers: [service('kafka')],
      logger: silentLogger,
    }),
    topics: new KafkaTopics(prefix),
    machine: MACHINE,
    partitions: 1,
  });
  await publisher.start();
  t.after(() => publisher.stop());
  return { publisher, received: (stream) => received.get(stream) ?? [] };
}

/** Share of the windows within the given runs whose operation prediction is right. */
function accuracy(predictions: readonly Prediction[], spans: readonly ReplayedRun[]): number {
  let right = 0;
  let count = 0;
  for (const p of predictions) {
    const span = spans.find((s) => s.from <= p.window.from && p.window.to <= s.to);
    if (span === undefined) continue;
    count += 1;
    if (p.results['operation']?.label === span.run.operation) right += 1;
  }
  assert.ok(count > 0, 'predictions fell inside the replayed runs');
  return right / count;
}

async function waitUntil(what: string, ms: number, done: () => boolean): Promise<void> {
  await withDeadline(
    (async () => {
      while (!done()) await quietFor(50);
    })(),
    ms,
    what,
  );
}

type Reply = { requestId: string; status: string; detail?: Record<string, unknown> };

/** Sends a command and waits for its final reply (succeeded or failed); returns every reply. */
async function command(
  machine: MachineSide,
  name: string,
  ms: number,
): Promise<{ requestId: string; replies: Reply[] }> {
  const requestId = uniqueName(name);
  await machine.publisher.publish('commands', {
    requestId,
    command: name,
    expiresAt: Date.now() + 60_000,
  });
  const replies = () =>
    (machine.received('replies') as Reply[]).filter((reply) => reply.requestId === requestId);
  await waitUntil(`the ${name} command finished`, ms, () =>
    replies().some((r) => r.status === 'succeeded' || r.status === 'failed'),
  );
  return { requestId, replies: replies() };
}

/**
 * Source runs, then labelled runs of the other program: the drift monitor (thresholds
 * calibrated into the model) alarms, the alarm is sustained, and that starts an adaptation
 * whose challenger is promoted as a1; later target windows score higher than the champion did;
 * /metrics and the events topic show each step. A rollback command returns to the source
 * model, and a readapt command trains and promotes the next version.
 */
async function adaptationScenario(
  t: TestContext,
  side: (t: TestContext) => Promise<MachineSide>,
  transportEnv: Record<string, string>,
): Promise<void> {
  const all = await listRuns(defaultDataDir());
  const pick = (ids: string[]) => ids.map((id) => all.find((run) => run.id === id)!);
  const bundle = await tinyRunBundle(pick(SOURCE_HOLDOUT));
  t.after(() => bundle.cleanup());
  const machine = await side(t);
  const { daemon, predictions, base } = await startDaemon(
    t,
    bedConfig({
      ADAPTD_MACHINE_ID: MACHINE,
      ADAPTD_MODEL_DIR: bundle.dir,
      ...transportEnv,
      ADAPTD_COMMANDS_AUTH: 'off',
      ADAPTD_LABELS_HOLDOUT_BLOCK_MS: '30000',
      ADAPTD_LABELS_HOLDOUT_EVERY: '3',
      ADAPTD_DRIFT_ERT: '1000',
      // Late in the labelled target runs, so the snapshot holds enough labelled windows.
      ADAPTD_DRIFT_SUSTAIN_WINDOWS: String(SUSTAIN_WINDOWS),
      ADAPTD_DRIFT_DOMAIN_INTERVAL: '0',
      ADAPTD_ADAPTATION_INTERVAL_MS: '0',
      ADAPTD_ADAPTATION_DRIFT_TRIGGER: 'true',
      ADAPTD_ADAPTATION_STEPS: '300',
      ADAPTD_ADAPTATION_LEARNING_RATE: '0.003',
      ADAPTD_ADAPTATION_MIN_TARGET_WINDOWS: '32',
      ADAPTD_ADAPTATION_MIN_HELD_BACK: '10',
      ADAPTD_ADAPTATION_PROBATION_WINDOWS: '0',
    }),
  );
  const labels: Promise<void>[] = [];
  const labelRuns = (span: ReplayedRun) => {
    labels.push(
      machine.publisher.publish('labels', {
        from: span.from,
        to: span.to,
        head: 'operation',
        label: span.run.operation,
      }),
    );
  };
  const events = () => machine.received('events') as EventMessage[];
  // Source program, then the other program with operator labels for each run.
  const source = await replayRuns({
    runs: pick(SOURCE_REPLAY),
    publisher: machine.publisher,
    speed: 'max',
    // On a whole number of held-back blocks, so the split (by time block) is the same each run.
    startMs: Math.floor((Date.now() - 24 * 3_600_000) / 3_600_000) * 3_600_000,
  });
  await waitUntil('the source runs scored', 60_000, () =>
    predictions.items.some((p) => p.window.to >= source.runs.at(-1)!.to - 16_000),
  );
  assert.ok(
    !events().some((e) => e.kind.startsWith('drift.')),
    `no drift event on the source program: ${events()
      .map((e) => e.kind)
      .join(', ')}`,
  );
  const adapt = await replayRuns({
    runs: pick(TARGET_ADAPT),
    publisher: machine.publisher,
    speed: 'max',
    startMs: source.nextStartMs,
    onRun: labelRuns,
  });
  await Promise.all(labels);

  // Drift on the other program: alarm, sustained, an adaptation it starts, promoted.
  const ended = ['adaptation.promoted', 'adaptation.rejected', 'adaptation.failed'];
  await waitUntil('an adaptation run ended', 240_000, () =>
    events().some((e) => ended.includes(e.kind)),
  );
  const kinds = events().map((e) => e.kind);
  const order = [
    'drift.alarm',
    'drift.sustained',
    'adaptation.started',
    'adaptation.trained',
    'adaptation.scored',
    'adaptation.promoted',
  ];
  const positions = order.map((kind) => kinds.indexOf(kind));
  assert.ok(
    positions.every((at, k) => at >= 0 && (k === 0 || at > positions[k - 1]!)),
    `events in order ${order.join(', ')}; got ${kinds.join(', ')}`,
  );
  const sustained = events().find((e) => e.kind === 'drift.sustained')!;
  assert.ok(
    Number(sustained.detail?.['alarmSteps']) >= SUSTAIN_WINDOWS,
    `sustained after ${String(sustained.detail?.['alarmSteps'])} alarming windows`,
  );
  const started = events().find((e) => e.kind === 'adaptation.started')!;
  assert.equal(started.detail?.['trigger'], 'drift', 'sustained drift started the run');
  const promoted = events().find((e) => e.kind === 'adaptation.promoted')!;
  assert.equal(promoted.requestId, started.requestId, 'one run from start to promotion');
  assert.equal(
    promoted.detail?.['labelled'],
    true,
    'held-back labelled target windows decided the promotion',
  );
  assert.equal(daemon.adaptation.status().adapterVersion, 'a1', 'a1 serves');
  await waitUntil('every target window scored', 60_000, () =>
    predictions.items.some((p) => p.window.to >= adapt.runs.at(-1)!.to - 16_000),
  );
  const champion = predictions.items.filter((p) => p.payload.adapterVersion === null);
  const before = accuracy(champion, adapt.runs);

  const tensors = async () =>
    seriesValue(await (await fetch(`${base}/metrics`)).text(), 'adaptd_tensors');
  const tensorsBefore = await tensors();
  // Later windows of the same program, served by the adapted model.
  const count = predictions.items.length;
  const later = await replayRuns({
    runs: pick(TARGET_LATER),
    publisher: machine.publisher,
    speed: 'max',
    startMs: adapt.nextStartMs,
  });
  await waitUntil('later target windows scored', 60_000, () =>
    predictions.items.some((p) => p.window.to >= later.runs.at(-1)!.to - 16_000),
  );
  const after = predictions.items.slice(count);
  assert.ok(
    after.every((p) => p.payload.adapterVersion === 'a1'),
    'later predictions carry the adapter version',
  );
  const afterAccuracy = accuracy(after, later.runs);
  assert.ok(
    afterAccuracy > before,
    `later target accuracy ${afterAccuracy.toFixed(3)} above the champion's ` +
      `${before.toFixed(3)}`,
  );
  t.diagnostic(
    `drift sustained after ${String(sustained.detail?.['alarmSteps'])} windows; operation ` +
      `accuracy: champion ${before.toFixed(3)}, adapted ${afterAccuracy.toFixed(3)}`,
  );

  const exposition = await (await fetch(`${base}/metrics`)).text();
  const detections = ['machine', 'program', 'tool'].reduce(
    (sum, cause) =>
      sum + (seriesValue(exposition, `adaptd_drift_detections_total{cause="${cause}"}`) ?? 0),
    0,
  );
  assert.ok(detections >= 1, `the drift detection counted (${detections})`);
  assert.ok(
    (seriesValue(exposition, 'adaptd_drift_threshold') ?? 0) > 0,
    'the calibrated threshold exported',
  );
  assert.equal(
    seriesValue(exposition, 'adaptd_adaptation_runs_total{trigger="drift",result="promoted"}'),
    1,
    'one promoted run by drift',
  );
  assert.equal(seriesValue(exposition, 'adaptd_promotions_total'), 1, 'one promotion');
  assert.equal(seriesValue(exposition, 'adaptd_adapter_info{adapter_version="a1"}'), 1, 'info');
  assert.ok(
    (seriesValue(exposition, 'adaptd_last_promotion_timestamp_seconds') ?? 0) > 0,
    'last promotion time set',
  );
  const shadow = (model: string) =>
    seriesValue(exposition, `adaptd_shadow_balanced_accuracy_ratio{model="${model}",set="target"}`);
  assert.ok(
    (shadow('challenger') ?? 0) > (shadow('champion') ?? 1),
    `shadow scores exported: challenger ${shadow('challenger')}, champion ${shadow('champion')}`,
  );
  for (const phase of ['snapshot', 'train', 'score', 'total']) {
    assert.equal(
      seriesValue(exposition, `adaptd_adaptation_duration_seconds_count{phase="${phase}"}`),
      1,
      `duration of phase ${phase}`,
    );
  }

  // Rollback by command: the source model serves again and says so.
  const rollback = await command(machine, 'rollback', 30_000);
  assert.equal(rollback.replies.at(-1)?.status, 'succeeded', 'the rollback succeeded');
  assert.equal(daemon.adaptation.status().adapterVersion, null, 'the source model serves');
  const rolled = events().find((e) => e.kind === 'adaptation.rolled_back');
  assert.equal(rolled?.detail?.['from'], 'a1', 'the rollback event names the adapter left');
  const afterRollback = await (await fetch(`${base}/metrics`)).text();
  assert.equal(seriesValue(afterRollback, 'adaptd_rollbacks_total'), 1, 'one rollback');
  assert.equal(
    seriesValue(afterRollback, 'adaptd_adapter_info{adapter_version="none"}'),
    1,
    'info metric back to none',
  );

  // A readapt command: accepted, in progress, succeeded with the next version.
  const readapt = await command(machine, 'readapt', 240_000);
  const statuses = readapt.replies.map((r) => r.status);
  assert.deepEqual(
    statuses,
    ['accepted', 'in_progress', 'succeeded'],
    `readapt replies ${JSON.stringify(readapt.replies)}`,
  );
  assert.equal(daemon.adaptation.status().adapterVersion, 'a2', 'a2 serves');
  const byCommand = events().filter((e) => e.requestId === readapt.requestId);
  assert.equal(byCommand[0]?.detail?.['trigger'], 'command', 'the command started the run');
  const final = await (await fetch(`${base}/metrics`)).text();
  assert.equal(
    seriesValue(final, 'adaptd_adaptation_runs_total{trigger="command",result="promoted"}'),
    1,
    'one promoted run by command',
  );
  assert.equal(await tensors(), tensorsBefore, 'training left no tensors in the daemon');
}

const TITLE =
  'source then another program: sustained drift starts an adaptation, the challenger is ' +
  'promoted, later target windows score higher, /metrics and the events topic show each ' +
  'step, rollback and readapt by command';

describe('adaptation in the daemon over the real mosquitto', { skip: servicesSkip() }, () => {
  it(TITLE, { timeout: 300_000 }, async (t) => {
    const prefix = `adaptd-it/${uniqueName('adapt')}`;
    await adaptationScenario(t, (c) => mqttSide(c, prefix), {
      ADAPTD_MQTT_URL: service('mqtt'),
      ADAPTD_MQTT_TOPIC_PREFIX: prefix,
      ADAPTD_MQTT_CLIENT_ID: uniqueName('adaptd'),
    });
  });
});

describe('adaptation in the daemon over the real Kafka', { skip: servicesSkip() }, () => {
  it(TITLE, { timeout: 300_000 }, async (t) => {
    const prefix = uniqueName('adaptd-it');
    await adaptationScenario(t, (c) => kafkaSide(c, prefix), {
      ADAPTD_KAFKA_BROKERS: service('kafka'),
      ADAPTD_KAFKA_TOPIC_PREFIX: prefix,
      ADAPTD_KAFKA_GROUP_ID: uniqueName('adaptd'),
      ADAPTD_KAFKA_FROM_BEGINNING: 'true',
    });
  });
});
