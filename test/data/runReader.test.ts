import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isAdaptdError } from '../../src/errors.js';
import { parseRunFileName, type RunInfo } from '../../src/data/runCatalog.js';
import { readRun } from '../../src/data/runReader.js';
import { fixtureCsv, sensorValue, tempFolder, writeRun } from './fixtures.js';

let folder = '';
let cleanup: () => Promise<void> = () => Promise.resolve();

async function runOf(stem: string, csv: string, gzip = true): Promise<RunInfo> {
  const file = await writeRun(folder, stem, csv, gzip);
  const parsed = parseRunFileName(`${stem}_aligned.csv`);
  assert.ok(parsed !== undefined);
  return { ...parsed, file };
}

describe('readRun', () => {
  before(async () => ({ folder, cleanup } = await tempFolder()));
  after(() => cleanup());

  it('reads typed columns, drops raw_json and keeps the columns each file has', async () => {
    const wide = await runOf(
      'face_001',
      fixtureCsv({ rows: 12, boards: ['frame_r2', 'spindle1'] }),
    );
    const narrow = await runOf('face_002', fixtureCsv({ rows: 7, boards: ['y_bed__3'] }));
    const a = await readRun(wide);
    const b = await readRun(narrow);
    assert.equal(a.rows, 12);
    assert.equal(b.rows, 7);
    assert.ok(a.columns.includes('spindle1.Ax') && !b.columns.includes('spindle1.Ax'));
    assert.ok(b.columns.includes('y_bed__3.RMS') && !a.columns.includes('y_bed__3.RMS'));
    for (const dropped of ['raw_json', 't_console', 'momo', 'stat', 'gcode_string', 'line']) {
      assert.ok(!a.columns.includes(dropped), dropped);
    }
    assert.equal(a.values.get('spindle1.Gy')?.[5], Math.fround(sensorValue(1, 4, 5)));
    assert.equal(a.values.get('vel')?.every(Number.isNaN), true);
    assert.equal(a.motion[0], 0);
    assert.equal(a.motion[3], 1);
    assert.equal(a.feed[2], Math.fround(558.8));
    assert.equal(a.state.stat[4], 5);
    assert.equal(a.state.coor[4], 2);
    assert.equal(a.state.plane[4], -1);
    assert.equal(a.gcodeLine[9], 22);
    assert.equal(a.gcodeText[3], 'G1 X0.03 Y1.5');
    assert.ok(Math.abs((a.time[11] ?? 0) - 11 * 0.26) < 1e-6);
  });

  it('turns empty cells into NaN and -1, like the tail of face150025_001', async () => {
    const frame = await readRun(
      await runOf(
        'face150025_001',
        fixtureCsv({
          rows: 10,
          emptyRows: (r) => r >= 6,
          time: (r) => `22:${String(5 + r).padStart(2, '0')}.9`,
        }),
      ),
    );
    assert.equal(frame.rows, 10);
    assert.deepEqual([...frame.motion.slice(5)], [1, -1, -1, -1, -1]);
    assert.deepEqual([...frame.state.coor.slice(5)], [2, -1, -1, -1, -1]);
    assert.deepEqual([...frame.gcodeLine.slice(5, 7)], [21, -1]);
    assert.equal(frame.gcodeText[7], '');
    assert.ok(Number.isNaN(frame.values.get('spindle')?.[6] ?? 0));
    assert.ok(Number.isNaN(frame.values.get('frame_r2.Ax')?.[9] ?? 0));
    assert.ok(!Number.isNaN(frame.values.get('posx')?.[9] ?? Number.NaN));
    assert.deepEqual([...frame.time.slice(0, 3)], [0, 1, 2]);
  });

  it('reads plain .csv and undoes a wrap past midnight', async () => {
    const times = ['23:59:59.500', '23:59:59.760', '00:00:00.020', '00:00:00.280'];
    const frame = await readRun(
      await runOf('pocket_003', fixtureCsv({ rows: 4, time: (r) => times[r] ?? '' }), false),
    );
    assert.deepEqual(
      [...frame.time].map((t) => Math.round(t * 1000)),
      [0, 260, 520, 780],
    );
  });

  it('refuses a file without t_console, naming the file', async () => {
    const run = await runOf('adaptive_001', fixtureCsv({ rows: 3, drop: ['t_console'] }));
    await assert.rejects(readRun(run), (error: unknown) => {
      assert.ok(isAdaptdError(error, 'DATA_INVALID'));
      assert.match(error.message, /adaptive_001_aligned\.csv\.gz/);
      assert.match(error.message, /t_console/);
      return true;
    });
  });

  it('refuses an unparseable time, naming file, row and value', async () => {
    const run = await runOf(
      'adaptive_002',
      fixtureCsv({ rows: 5, time: (r) => (r === 3 ? '14:7x:00.1' : `14:25:0${r}.000`) }),
    );
    await assert.rejects(readRun(run), (error: unknown) => {
      assert.ok(isAdaptdError(error, 'DATA_INVALID'));
      assert.match(error.message, /adaptive_002_aligned\.csv\.gz: row 4: t_console '14:7x:00\.1'/);
      assert.equal(error.context.row, 4);
      return true;
    });
  });

  it('refuses times that run backwards and numbers that are not numbers', async () => {
    const backwards = await runOf(
      'adaptive_003',
      fixtureCsv({ rows: 3, time: (r) => `14:25:0${2 - r}.000` }),
    );
    await assert.rejects(readRun(backwards), /row 2: t_console '14:25:01.000' goes back in time/);
    const text = await runOf(
      'adaptive_004',
      fixtureCsv({ rows: 3, cell: (c, r) => (c === 'spindle' && r === 1 ? 'n/a' : undefined) }),
    );
    await assert.rejects(readRun(text), /row 2: column spindle holds 'n\/a', not a number/);
    const momo = await runOf('adaptive_005', fixtureCsv({ rows: 3, momo: () => 7 }));
    await assert.rejects(readRun(momo), /column momo holds '7'; allowed are integers 0..4/);
  });

  it('reports a missing file and a broken gzip stream', async () => {
    const missing = {
      ...(parseRunFileName('face_009.csv.gz') as Omit<RunInfo, 'file'>),
      file: `${folder}/none.csv.gz`,
    };
    await assert.rejects(readRun(missing), (error: unknown) =>
      isAdaptdError(error, 'DATA_NOT_FOUND'),
    );
    const broken = await runOf('face_008', 'not gzip');
    const renamed = { ...broken };
    await assert.rejects(readRun(renamed), (error: unknown) =>
      isAdaptdError(error, 'DATA_INVALID'),
    );
  });
});
