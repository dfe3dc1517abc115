import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { summariseData } from '../../src/data/summary.js';
import { formatSummary } from '../../src/data/summaryFormat.js';
import { fixtureCsv, tempFolder, writeRun } from './fixtures.js';

let folder = '';
let cleanup: () => Promise<void> = () => Promise.resolve();

describe('summariseData', () => {
  before(async () => {
    ({ folder, cleanup } = await tempFolder());
    await writeRun(
      folder,
      'face_001',
      fixtureCsv({ rows: 100, boards: ['frame_r2', 'xa_motor', 'y_bed__1'] }),
    );
    await writeRun(
      folder,
      'face_002',
      fixtureCsv({ rows: 80, boards: ['frame_r2', 'xa_motor'], deadBoards: ['xa_motor'] }),
    );
    await writeRun(folder, 'face150025_001', fixtureCsv({ rows: 64, boards: ['frame_r2'] }));
    await writeRun(folder, 'damageface_001', fixtureCsv({ rows: 70 }));
    await writeFile(join(folder, 'notes.csv'), 'a,b\n1,2\n');
  });
  after(() => cleanup());

  it('counts runs, windows, boards and split balance per group and scenario', async () => {
    const summary = await summariseData({ folder, seed: 3 });
    assert.equal(summary.runs, 4);
    assert.equal(summary.rows, 314);
    // (100-64)/16+1 = 3, (80-64)/16+1 = 2, 1, 1.
    assert.equal(summary.windows, 7);
    assert.deepEqual(
      summary.skipped.map((entry) => entry.file),
      [join(folder, 'notes.csv')],
    );
    const face = summary.groups.find((group) => group.group === 'face');
    assert.deepEqual(face?.deadBoards, { xa_motor: 1 });
    assert.deepEqual(face?.liveBoards, { frame_r2: 2, xa_motor: 1, y_bed__1: 1 });
    assert.deepEqual(face?.channelsPresent, { min: 4 + 17, max: 4 + 3 * 17 });
    const s3 = summary.scenarios.S3.parts;
    assert.equal(
      s3.sourceTrain.runs + s3.sourceVal.runs,
      1,
      'only face_001 logs xa_motor and y_bed__1',
    );
    assert.equal(s3.targetTest.runs, 1);
    const s2 = summary.scenarios.S2.parts;
    assert.equal(s2.sourceTrain.classes.healthy! + s2.sourceVal.classes.healthy!, 1);
    assert.equal(s2.sourceTrain.classes.damaged! + s2.sourceVal.classes.damaged!, 1);
    const motion = summary.scenarios.S4.parts;
    const windows = Object.values(motion.sourceTrain.classes).reduce((a, b) => a + b, 0);
    assert.equal(windows, motion.sourceTrain.windows);

    const text = formatSummary(summary);
    assert.match(text, /4 runs, 314 rows, 7 windows/);
    assert.match(text, /left out .*notes\.csv/);
    assert.match(text, /dead: +xa_motor 1/);
    assert.match(text, /S3: sensor layout/);
  });
});
