import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildSchema, type ChannelSchema } from '../../src/data/channelSchema.js';
import { CONTEXT_NAMES, CONTEXT_SIZE } from '../../src/data/controllerContext.js';
import { FEED_BANDS, MOTIONS } from '../../src/data/labels.js';
import { Normaliser } from '../../src/data/normaliser.js';
import { parseRunFileName, type RunInfo } from '../../src/data/runCatalog.js';
import type { RunFrame } from '../../src/data/runFrame.js';
import { readRun } from '../../src/data/runReader.js';
import { buildWindowSet, OPERATIONS, TOOLS, VARIANTS } from '../../src/data/windows.js';
import { fixtureColumns, fixtureCsv, hms, tempFolder, writeRun } from './fixtures.js';

let folder = '';
let cleanup: () => Promise<void> = () => Promise.resolve();
let frames: RunFrame[] = [];
let schema: ChannelSchema;
let normaliser: Normaliser;

async function frameOf(stem: string, csv: string): Promise<RunFrame> {
  const file = await writeRun(folder, stem, csv);
  return readRun({ ...(parseRunFileName(`${stem}.csv`) as Omit<RunInfo, 'file'>), file });
}

describe('buildWindowSet', () => {
  before(async () => {
    ({ folder, cleanup } = await tempFolder());
    frames = [
      // 40 rows; the spindle current misses rows 0-1 and 10-12 (filled), momo varies.
      await frameOf(
        'face_001',
        fixtureCsv({
          rows: 40,
          momo: (r) => (r < 5 ? 0 : r < 30 ? 1 : r < 35 ? 2 : 3),
          feed: (r) => (r < 20 ? 185.42 : 1016),
          cell: (column, r) =>
            column === 'spindle' && (r < 2 || (r >= 10 && r <= 12)) ? '' : undefined,
        }),
      ),
      // 30 rows with a dead board and the spindle1 board absent.
      await frameOf(
        'damagepocket_001',
        fixtureCsv({ rows: 30, boards: ['frame_r2', 'xa_motor'], deadBoards: ['xa_motor'] }),
      ),
      // Rows 10-14 carry no sensor data and a 60 s pause follows row 24: three stretches.
      await frameOf(
        'adaptive150025_001',
        fixtureCsv({
          rows: 45,
          boards: ['frame_r2', 'spindle1'],
          emptyRows: (r) => r >= 10 && r < 15,
          time: (r) => hms(50_000 + r * 0.26 + (r >= 25 ? 60 : 0)),
        }),
      ),
    ];
    schema = buildSchema([
      fixtureColumns({ rows: 1, boards: ['frame_r2', 'xa_motor', 'spindle1'] }),
    ]);
    normaliser = Normaliser.fit(frames, schema);
  });
  after(() => cleanup());

  it('cuts windows inside runs and stretches only', () => {
    const set = buildWindowSet(frames, schema, normaliser, { length: 8, stride: 4 });
    const starts = (run: number) => [...set.windowStart].filter((_, i) => set.windowRun[i] === run);
    assert.deepEqual(starts(0), [0, 4, 8, 12, 16, 20, 24, 28, 32]);
    assert.deepEqual(starts(1), [0, 4, 8, 12, 16, 20]);
    // Stretches [0,10), [15,25), [25,45): none of them is crossed.
    assert.deepEqual(starts(2), [0, 15, 25, 29, 33, 37]);
    assert.equal(set.count, 9 + 6 + 6);
    assert.equal(set.channels, schema.channels.length);
    for (let i = 0; i < set.count; i += 1) {
      const rows = frames[set.windowRun[i] ?? 0]?.rows ?? 0;
      assert.ok((set.windowStart[i] ?? 0) + set.length <= rows);
    }
  });

  it('gathers the right rows, normalised, with masks for missing and dead channels', () => {
    const set = buildWindowSet(frames, schema, normaliser, { length: 8, stride: 4 });
    const picks = [3, 10, 17];
    const { x, mask } = set.gather(picks);
    const C = set.channels;
    assert.equal(x.length, picks.length * 8 * C);
    assert.equal(mask.length, picks.length * C);
    picks.forEach((index, n) => {
      const frame = frames[set.windowRun[index] ?? 0] as RunFrame;
      const expectedMask = set.mask(index);
      schema.channels.forEach((spec, c) => {
        assert.equal(mask[n * C + c], expectedMask[c]);
        for (let t = 0; t < 8; t += 1) {
          const row = (set.windowStart[index] ?? 0) + t;
          const value = x[(n * 8 + t) * C + c];
          if (expectedMask[c] === 0) {
            assert.equal(value, 0, `${spec.name} masked`);
            continue;
          }
          const raw = frame.values.get(spec.name)?.[row] ?? Number.NaN;
          if (!Number.isNaN(raw))
            assert.equal(value, Math.fround(normaliser.apply(c, raw)), spec.name);
        }
      });
    });
    const dead = set.mask(10);
    schema.channels.forEach((spec, c) => {
      const expected = spec.board === 'xa_motor' || spec.board === 'spindle1' ? 0 : 1;
      assert.equal(dead[c], expected, spec.name);
    });
    const out = new Float32Array(10 * 8 * C).fill(7);
    const again = set.gather(picks, out);
    assert.equal(again.x.buffer, out.buffer);
    assert.deepEqual([...again.x], [...x]);
  });

  it('fills empty cells forward, and back before the first value', () => {
    const set = buildWindowSet(frames, schema, normaliser, { length: 16, stride: 16 });
    const c = schema.channels.findIndex((spec) => spec.name === 'spindle');
    const { x } = set.gather([0]);
    const at = (t: number) => x[t * set.channels + c];
    const spindle = frames[0]?.values.get('spindle') as Float32Array;
    const expected = (row: number) => Math.fround(normaliser.apply(c, spindle[row] ?? 0));
    assert.equal(at(0), expected(2));
    assert.equal(at(1), expected(2));
    assert.equal(at(10), expected(9));
    assert.equal(at(12), expected(9));
    assert.equal(at(13), expected(13));
  });

  it('labels windows from the run and the last row', () => {
    const set = buildWindowSet(frames, schema, normaliser, { length: 8, stride: 4 });
    assert.equal(OPERATIONS[set.operation[0] ?? -1], 'face');
    assert.equal(VARIANTS[set.variant[9] ?? -1], '150025');
    assert.equal(TOOLS[set.tool[9] ?? -1], 'damaged');
    assert.equal(OPERATIONS[set.operation[15] ?? -1], 'adaptive');
    // Run 0, window starts 0, 28, 32: last rows 7, 35, 39.
    assert.equal(MOTIONS[set.motion[0] ?? -1], 'G1');
    assert.equal(MOTIONS[set.motion[7] ?? -1], 'G3');
    assert.equal(MOTIONS[set.motion[6] ?? -1], 'G2');
    assert.deepEqual([...set.motionSteps.slice(0, 8)], [0, 0, 0, 0, 0, 1, 1, 1]);
    assert.equal(FEED_BANDS[set.feedBand[0] ?? -1], 'slow');
    assert.equal(FEED_BANDS[set.feedBand[8] ?? -1], 'fast');
    assert.equal(set.gcodeText[0], 'G1 X0.07 Y1.5');
    // Run 2's first stretch ends at row 9: its window's last row is 7 and labelled.
    assert.notEqual(set.motion[15], -1);
  });

  it('gives a one-hot controller context at the last row', () => {
    const set = buildWindowSet(frames, schema, normaliser, { length: 8, stride: 4 });
    const context = set.context([0, 1]);
    assert.equal(context.length, 2 * CONTEXT_SIZE);
    const hot = [...context.slice(0, CONTEXT_SIZE)].flatMap((v, k) =>
      v === 1 ? [CONTEXT_NAMES[k]] : [],
    );
    assert.deepEqual(hot, ['stat=5', 'unit=0', 'dist=0', 'coor=2']);
    assert.ok(!CONTEXT_NAMES.some((name) => name.startsWith('momo')));
  });

  it('finds the windows of given runs and refuses bad lengths', () => {
    const set = buildWindowSet(frames, schema, normaliser, { length: 8, stride: 4 });
    const picked = set.windowsOf([frames[1]?.info as RunInfo]);
    assert.deepEqual(picked, [9, 10, 11, 12, 13, 14]);
    assert.throws(
      () => buildWindowSet(frames, schema, normaliser, { length: 0 }),
      /positive integer/,
    );
    assert.throws(() => set.gather([set.count]), /out of range/);
  });
});
