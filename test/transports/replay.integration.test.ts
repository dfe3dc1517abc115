import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { defaultDataDir, listRuns } from '../../src/data/runCatalog.js';
import { silentLogger } from '../../src/log.js';
import { EmbeddedBroker } from '../../src/transports/embeddedBroker.js';
import type { InputEvent } from '../../src/transports/inputSource.js';
import { samplesOf } from '../../src/transports/messages/sensorMessage.js';
import { MqttTopics } from '../../src/transports/messages/topics.js';
import type { MqttConnectionSettings } from '../../src/transports/mqtt/mqttConnection.js';
import { MqttInput } from '../../src/transports/mqtt/mqttInput.js';
import { MqttInputPublisher } from '../../src/transports/mqtt/mqttInputPublisher.js';
import { replayRuns, type ReplayResult } from '../../src/transports/replay/replay.js';
import { selectRuns } from '../../src/transports/replay/selectRuns.js';
import { service, servicesSkip, uniqueName } from '../support/services.js';
import { Collector } from './collector.js';

const DATA = defaultDataDir();
const RUNS = ['pocket_001', 'adaptive_001'];
const dataSkip = RUNS.every((id) => existsSync(join(DATA, `${id}_aligned.csv.gz`)))
  ? false
  : `needs the recorded runs ${RUNS.join(', ')} in ${DATA}`;
const START = Date.UTC(2026, 0, 5, 8, 0, 0);

/**
 * Replays two recorded runs at full speed through `connection` into an MqttInput and checks
 * that every row and every line change arrives once, in time order, with the CSV's channels.
 */
async function replayThrough(t: TestContext, connection: MqttConnectionSettings): Promise<void> {
  const topics = new MqttTopics(`adaptd-test/${uniqueName('replay')}`, 'mill-1');
  const input = new MqttInput({
    connection,
    clientId: uniqueName('adaptd-input'),
    topics,
    sessionExpirySeconds: 300,
    logger: silentLogger,
    now: () => START,
  });
  const events = new Collector<InputEvent>(input.events$);
  const rejects = new Collector(input.rejects$);
  t.after(() => input.stop());
  await input.start();
  const publisher = new MqttInputPublisher({
    connection,
    clientId: uniqueName('adaptd-replay'),
    topics,
    logger: silentLogger,
  });
  t.after(() => publisher.stop());
  await publisher.start();

  const runs = selectRuns(await listRuns(DATA), { runs: RUNS });
  const result: ReplayResult = await replayRuns({
    runs,
    publisher,
    speed: 'max',
    startMs: START,
  });
  assert.equal(result.samples, 301 + 346);

  const total = result.sensorMessages + result.gcodeMessages;
  const received = await events.first(total, 60_000, 'replayed messages');
  assert.equal(rejects.items.length, 0, 'every replayed message is valid');
  const sensors = received.flatMap((event) =>
    event.stream === 'sensors' ? [...samplesOf(event.payload)] : [],
  );
  const times = sensors.map((sample) => sample.ts);
  assert.equal(sensors.length, result.samples);
  assert.deepEqual(
    times,
    [...times].sort((a, b) => a - b),
    'samples arrive in time order',
  );
  assert.equal(new Set(times).size, times.length, 'each sample once');
  assert.equal(times[0], START);
  assert.equal(times.at(-1), result.runs[1]?.to);
  for (const channel of ['y_bed__3.Ax', 'frame_r2.RMS', 'spindle', 'x_motor']) {
    assert.ok(channel in sensors[0]!.values, `${channel} is sent under its CSV name`);
  }
  const lines = received.filter((event) => event.stream === 'gcode');
  assert.equal(lines.length, result.gcodeMessages);
  for (const event of received) await event.settle();
}

describe('replay of recorded runs', { skip: dataSkip }, () => {
  it('to mosquitto', { skip: servicesSkip(), timeout: 120_000 }, async (t) => {
    await replayThrough(t, { url: service('mqtt') });
  });

  it('to the embedded broker', { timeout: 120_000 }, async (t) => {
    const broker = new EmbeddedBroker({ logger: silentLogger });
    t.after(() => broker.stop());
    await broker.start();
    await replayThrough(t, { url: broker.url, protocolVersion: 4 });
  });
});
