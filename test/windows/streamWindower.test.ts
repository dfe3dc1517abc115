import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CONTEXT_NAMES } from '../../src/data/controllerContext.js';
import { isAdaptdError } from '../../src/errors.js';
import { ChannelMap } from '../../src/windows/channelMap.js';
import type { SensorRow, SensorWindow, WindowerOutput } from '../../src/windows/sensorWindow.js';
import { StreamWindower, type StreamWindowerOptions } from '../../src/windows/streamWindower.js';
import { NORMALISER, SCHEMA, sample } from './fixtures.js';

function windower(overrides: Partial<StreamWindowerOptions> = {}): StreamWindower {
  let clock = 0;
  return new StreamWindower({
    machineId: 'mill-1',
    channelMap: new ChannelMap(SCHEMA),
    normaliser: NORMALISER,
    length: 4,
    stride: 2,
    now: () => (clock += 1),
    ...overrides,
  });
}

function windowsOf(outputs: WindowerOutput[]): SensorWindow[] {
  return outputs.flatMap((o) => (o.kind === 'window' ? [o.window] : []));
}

function pushAll(w: StreamWindower, rows: SensorRow[]): WindowerOutput[] {
  return rows.flatMap((row) => w.push(row).outputs);
}

const C = SCHEMA.channels.length;

describe('StreamWindower', () => {
  it('cuts windows of length rows, stride apart, with normalised values and stable ids', () => {
    const w = windower();
    const windows = windowsOf(
      pushAll(
        w,
        Array.from({ length: 10 }, (_, i) => sample(i)),
      ),
    );

    assert.deepEqual(
      windows.map((win) => [win.from, win.to]),
      [
        [1000, 1750],
        [1500, 2250],
        [2000, 2750],
        [2500, 3250],
      ],
    );
    assert.equal(windows[0]!.id, 'mill-1:1000:1750');
    // Row 1 of the first window, channel spindle: raw 11 -> (11 - 10) / 2.
    assert.equal(windows[0]!.x[1 * C + 0], 0.5);
    // Channel b2.Ay of row 3: raw 17 -> 3.5.
    assert.equal(windows[0]!.x[3 * C + 5], 3.5);
    assert.deepEqual(Array.from(windows[0]!.mask), [1, 1, 1, 1, 1, 1]);
    // After each window the first `stride` rows are in no later window.
    assert.deepEqual(
      windows.map((win) => win.doneThrough),
      [1250, 1750, 2250, 2750],
    );
    assert.equal(w.heldRows, 2);
    assert.equal(w.stats().accepted, 10);
  });

  it('aligns every row with the latest G-code line at or before its time', () => {
    const w = windower({ stride: 4 });
    w.addGcode({ ts: 900, line: 10, text: 'G0 X0' });
    pushAll(w, [sample(0), sample(1)]);
    // Lines may arrive after the rows they cover; alignment happens when the window is cut.
    w.addGcode({ ts: 1500, line: 11, text: 'G1 X1 F100' });
    const [win] = windowsOf(pushAll(w, [sample(2), sample(3)]));

    assert.deepEqual(
      win!.gcode.map((g) => g?.line),
      [10, 10, 11, 11],
    );
    assert.equal(w.addGcode({ ts: 1500, line: 11, text: 'G1 X1 F100' }), 'duplicate');
  });

  it('leaves rows before the first G-code line unaligned', () => {
    const w = windower({ stride: 4 });
    w.addGcode({ ts: 1250, line: 3, text: 'G1 Y2' });
    const [win] = windowsOf(
      pushAll(
        w,
        [0, 1, 2, 3].map((i) => sample(i)),
      ),
    );

    assert.deepEqual(
      win!.gcode.map((g) => g?.line),
      [undefined, 3, 3, 3],
    );
  });

  it('masks channels the machine never sends and boards that repeat one value', () => {
    const w = windower({ stride: 4 });
    const rows = [0, 1, 2, 3].map((i) => sample(i, { x_motor: null, 'b2.Ax': 30, 'b2.Ay': 31 }));
    const [win] = windowsOf(pushAll(w, rows));

    assert.deepEqual(Array.from(win!.mask), [1, 0, 1, 1, 0, 0]);
    for (let t = 0; t < 4; t += 1) {
      for (const c of [1, 4, 5]) assert.equal(win!.x[t * C + c], 0, `row ${t} channel ${c}`);
    }
  });

  it('fills a missing cell of a present channel from the row before, or after at the start', () => {
    const w = windower({ stride: 4 });
    const rows = [
      sample(0, { spindle: null }),
      sample(1, { spindle: 14 }),
      sample(2, { spindle: null }),
      sample(3, { spindle: 18 }),
    ];
    const [win] = windowsOf(pushAll(w, rows));

    assert.deepEqual(
      [0, 1, 2, 3].map((t) => win!.x[t * C]),
      [2, 2, 2, 4],
    );
    assert.equal(win!.mask[0], 1);
  });

  it('maps machine names through the channel map and reads controller state as context', () => {
    const map = new ChannelMap(SCHEMA, { S1: 'spindle' });
    const w = windower({ channelMap: map, stride: 4 });
    const rows = [0, 1, 2, 3].map((i) => {
      const { ts, values } = sample(i);
      const { spindle, ...rest } = values;
      return { ts, values: { ...rest, S1: spindle, stat: 5, unit: 1, mystery: 3 } };
    });
    const [win] = windowsOf(pushAll(w, rows));

    assert.equal(win!.mask[0], 1);
    assert.equal(win!.x[3 * C], 1.5);
    const hot = CONTEXT_NAMES.filter((_, k) => win!.context[k] === 1);
    assert.deepEqual(hot, ['stat=5', 'unit=1']);
    assert.deepEqual(map.unknownNames(), ['mystery']);
    assert.deepEqual(map.unreachable, []);
  });

  it('refuses a channel map whose target the model lacks, or that doubles a target', () => {
    assert.throws(
      () => new ChannelMap(SCHEMA, { S1: 'spindel' }),
      (error: unknown) =>
        isAdaptdError(error, 'CONFIG_INVALID') && /S1 -> spindel/.test(error.message),
    );
    assert.throws(
      () => new ChannelMap(SCHEMA, { S1: 'spindle', S2: 'spindle' }),
      /sends both S1 and S2 to model channel spindle/,
    );
    const renamed = new ChannelMap(SCHEMA, { spindle: 'x_motor' });
    assert.deepEqual(renamed.unreachable, ['spindle']);
  });

  it('drops repeated rows and rejects late ones, counting each', () => {
    const w = windower({ stride: 4 });
    const outcomes = [0, 1, 1, 2, 0, 3].map((i) => w.push(sample(i)).outcome);

    assert.deepEqual(outcomes, [
      'accepted',
      'accepted',
      'duplicate',
      'accepted',
      'duplicate',
      'accepted',
    ]);
    assert.equal(w.push({ ts: 1100, values: { spindle: 1 } }).outcome, 'late');
    assert.equal(w.push({ ts: 5000, values: { mystery: 1, spindle: null } }).outcome, 'empty');
    assert.deepEqual(w.stats(), { accepted: 4, duplicate: 2, late: 1, empty: 1, gaps: 0 });
  });

  it('puts rows back in order within the reorder allowance', () => {
    const w = windower({ stride: 4, reorderRows: 2 });
    const outputs = pushAll(
      w,
      [0, 2, 1, 3, 4, 5].map((i) => sample(i)),
    );
    const [win] = windowsOf(outputs);

    assert.deepEqual([win!.from, win!.to], [1000, 1750]);
    assert.deepEqual(
      [0, 1, 2, 3].map((t) => win!.x[t * C]),
      [0, 0.5, 1, 1.5],
    );
    assert.equal(w.push(sample(3)).outcome, 'duplicate');
    assert.equal(w.push(sample(0, { spindle: 1 })).outcome, 'duplicate');
    assert.equal(windowsOf(w.flush()).length, 0);
    assert.equal(w.heldRows, 2);
  });

  it('ends a stretch at a long pause and releases the rows it held', () => {
    const w = windower({ stride: 4, maxGapMs: 1000 });
    const before = pushAll(w, [sample(0), sample(1), sample(2)]);
    const after = w.push({ ...sample(3), ts: 1500 + 5000 }).outputs;

    assert.deepEqual(before, []);
    assert.deepEqual(after, [{ kind: 'release', doneThrough: 1500 }]);
    assert.equal(w.heldRows, 1);
    assert.equal(w.stats().gaps, 1);
  });

  it('releases the rows a stride longer than the window skips', () => {
    const w = windower({ length: 2, stride: 3 });
    const outputs = pushAll(
      w,
      [0, 1, 2, 3, 4].map((i) => sample(i)),
    );

    assert.deepEqual(
      outputs.map((o) => (o.kind === 'window' ? `w${o.window.from}` : `r${o.doneThrough}`)),
      ['w1000', 'r1500', 'w1750'],
    );
    assert.deepEqual(
      windowsOf(outputs).map((win) => win.doneThrough),
      [1250, 2000],
    );
  });

  it('keeps memory bounded: held rows never exceed length plus the reorder allowance', () => {
    const w = windower({ length: 8, stride: 3, reorderRows: 4 });
    let most = 0;
    for (let i = 0; i < 500; i += 1) {
      w.push(sample(i));
      w.addGcode({ ts: 1000 + 250 * i, line: i, text: `G1 X${i}` });
      most = Math.max(most, w.heldRows);
    }

    assert.ok(most <= 12, `held ${most} rows`);
    assert.ok(w.timeline.size <= 8 + 4 + 1, `held ${w.timeline.size} G-code lines`);
  });
});
