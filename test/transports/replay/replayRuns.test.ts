import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { listRuns, type RunInfo } from '../../../src/data/runCatalog.js';
import { readRun } from '../../../src/data/runReader.js';
import type { InputPublisher } from '../../../src/transports/inputPublisher.js';
import type { InputPayloads } from '../../../src/transports/messages/payloadSchemas.js';
import { samplesOf } from '../../../src/transports/messages/sensorMessage.js';
import type { InputStream } from '../../../src/transports/messages/streams.js';
import { validateMessage } from '../../../src/transports/messages/validateMessage.js';
import { replayRuns, type ReplayClock } from '../../../src/transports/replay/replay.js';
import { runSteps } from '../../../src/transports/replay/runMessages.js';
import { fixtureCsv, tempFolder, writeRun } from '../../data/fixtures.js';

const START = Date.UTC(2026, 0, 5, 8, 0, 0);

interface Published {
  stream: InputStream;
  payload: InputPayloads[InputStream];
  /** Virtual wall time of the publish. */
  at: number;
}

/** A publisher that keeps everything, stamped with the virtual clock's time. */
class RecordingPublisher implements InputPublisher {
  readonly published: Published[] = [];
  constructor(private readonly clock: ReplayClock) {}
  start(): Promise<void> {
    return Promise.resolve();
  }
  stop(): Promise<void> {
    return Promise.resolve();
  }
  publish<S extends InputStream>(stream: S, payload: InputPayloads[S]): Promise<void> {
    this.published.push({ stream, payload, at: this.clock.now() });
    return Promise.resolve();
  }
}

/** Virtual time: sleeping moves the clock forward at once. */
function virtualClock(start: number): ReplayClock & { slept: number[] } {
  let now = start;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: (ms) => {
      slept.push(ms);
      now += ms;
      return Promise.resolve();
    },
  };
}

let folder = '';
let cleanup: () => Promise<void> = () => Promise.resolve();
let runs: RunInfo[] = [];
/** The six-row run. */
const short = (): RunInfo => runs.find((run) => run.id === 'face150025_002')!;

describe('replay', () => {
  before(async () => {
    ({ folder, cleanup } = await tempFolder());
    await writeRun(folder, 'pocket_001', fixtureCsv({ rows: 10 }));
    await writeRun(
      folder,
      'face150025_002',
      fixtureCsv({
        rows: 6,
        cell: (column, r) => (column === 'spindle' && r === 2 ? '' : undefined),
      }),
    );
    runs = await listRuns(folder);
  });
  after(() => cleanup());

  it('turns a run into valid samples and one G-code message per line change', async () => {
    const frame = await readRun(short());
    const steps = [...runSteps(frame, START, 4)];
    assert.deepEqual(
      steps.map((step) => step.samples.length),
      [4, 2],
    );
    const samples = steps.flatMap((step) => step.samples);
    assert.deepEqual(
      samples.map((sample) => sample.ts),
      [0, 260, 520, 780, 1040, 1300].map((ms) => START + ms),
    );
    assert.deepEqual(Object.keys(samples[0]!.values), frame.columns);
    assert.equal(samples[2]!.values.spindle, null, 'an empty cell is sent as null');
    const recorded = frame.values.get('y_bed__3.Ax')![1]!;
    assert.equal(samples[1]!.values['y_bed__3.Ax'], Number(recorded.toPrecision(7)));
    // The fixture runs line 20 for rows 0-3 and line 21 for rows 4-5.
    assert.deepEqual(
      steps.flatMap((step) => step.gcode.map((g) => [g.line, g.ts])),
      [
        [20, START],
        [21, START + 1040],
      ],
    );
    for (const sample of samples) {
      const raw = Buffer.from(JSON.stringify(sample));
      assert.ok(validateMessage('sensors', raw, undefined, START).ok);
    }
  });

  it('paces steps at the given speed on one time line across runs', async () => {
    const clock = virtualClock(1_000);
    const publisher = new RecordingPublisher(clock);
    const spans: [string, number, number][] = [];
    const result = await replayRuns({
      runs,
      publisher,
      speed: 10,
      batchRows: 2,
      startMs: START,
      gapMs: 1_000,
      clock,
      onRun: (span) => spans.push([span.run.id, span.from - START, span.to - START]),
    });

    assert.deepEqual(spans, [
      ['face150025_002', 0, 1300],
      ['pocket_001', 2300, 2300 + 9 * 260],
    ]);
    assert.deepEqual([result.samples, result.sensorMessages, result.gcodeMessages], [16, 8, 2 + 3]);
    assert.equal(result.nextStartMs, START + 2300 + 9 * 260 + 1_000);
    // Each batch is published when its last row is due: recorded time / 10 after the start.
    const sensorTimes = publisher.published
      .filter((p) => p.stream === 'sensors')
      .map((p) => p.at - 1_000);
    assert.deepEqual(sensorTimes, [26, 78, 130, 256, 308, 360, 412, 464]);
    // Every sample is published once, in time order.
    const times = publisher.published
      .filter((p) => p.stream === 'sensors')
      .flatMap((p) => samplesOf(p.payload as InputPayloads['sensors']).map((s) => s.ts));
    assert.deepEqual(
      times,
      [...times].sort((a, b) => a - b),
    );
    assert.equal(new Set(times).size, 16);
  });

  it('publishes a line change before the samples cut under it', async () => {
    const clock = virtualClock(0);
    const publisher = new RecordingPublisher(clock);
    await replayRuns({ runs: [short()], publisher, speed: 'max', startMs: START, clock });
    assert.deepEqual(
      publisher.published.map((p) => p.stream),
      ['gcode', 'gcode', 'sensors'],
    );
    assert.equal(clock.slept.length, 0, 'max speed never waits');
    const [batch] = publisher.published.filter((p) => p.stream === 'sensors');
    assert.equal(samplesOf(batch!.payload as InputPayloads['sensors']).length, 6);
  });

  it("announces each run's program before its first row when asked", async () => {
    const clock = virtualClock(0);
    const publisher = new RecordingPublisher(clock);
    const result = await replayRuns({
      runs: [runs.find((run) => run.id === 'pocket_001')!, short()],
      publisher,
      speed: 'max',
      startMs: START,
      clock,
      announcePrograms: true,
    });
    const announcements = publisher.published.filter(
      (p) =>
        p.stream === 'gcode' && (p.payload as InputPayloads['gcode']).text.startsWith('(PROGRAM'),
    );
    assert.deepEqual(
      announcements.map((p) => p.payload),
      [
        { ts: START, line: 0, text: '(PROGRAM pocket)' },
        { ts: result.runs[1]!.from, line: 0, text: '(PROGRAM face150025)' },
      ],
    );
    for (const [r, announcement] of announcements.entries()) {
      const first = publisher.published.find(
        (p) =>
          p.stream === 'sensors' &&
          samplesOf(p.payload as InputPayloads['sensors'])[0]!.ts === result.runs[r]!.from,
      );
      assert.ok(
        publisher.published.indexOf(announcement) < publisher.published.indexOf(first!),
        `the announcement of run ${r} came after its first row`,
      );
    }
    assert.equal(
      result.gcodeMessages,
      publisher.published.filter((p) => p.stream === 'gcode').length,
      'announcements are counted with the G-code messages',
    );
  });

  it('stops when aborted and says so', async () => {
    const clock = virtualClock(0);
    const publisher = new RecordingPublisher(clock);
    const controller = new AbortController();
    const result = await replayRuns({
      runs,
      publisher,
      speed: 1,
      startMs: START,
      clock,
      onRun: () => controller.abort(),
      signal: controller.signal,
    });
    assert.equal(result.aborted, true);
    assert.equal(result.runs.length, 1);
    assert.equal(publisher.published.length, 0);
  });

  it('refuses a speed that is not above 0', async () => {
    const publisher = new RecordingPublisher(virtualClock(0));
    for (const speed of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      await assert.rejects(replayRuns({ runs, publisher, speed }), /replay speed/);
    }
  });
});
