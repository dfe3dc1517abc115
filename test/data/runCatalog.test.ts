import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isAdaptdError } from '../../src/errors.js';
import { defaultDataDir, listRuns, parseRunFileName, scanRuns } from '../../src/data/runCatalog.js';
import { tempFolder } from './fixtures.js';

describe('runCatalog', () => {
  it('reads group, operation, variant and tool from the file name', () => {
    assert.deepEqual(parseRunFileName('face150025_003_aligned.csv.gz'), {
      id: 'face150025_003',
      group: 'face150025',
      operation: 'face',
      variant: '150025',
      tool: 'healthy',
    });
    assert.deepEqual(parseRunFileName('damagepocket_002_aligned.csv'), {
      id: 'damagepocket_002',
      group: 'damagepocket',
      operation: 'pocket',
      variant: '150025',
      tool: 'damaged',
    });
    assert.equal(parseRunFileName('adaptive_016.csv')?.variant, 'standard');
    assert.equal(parseRunFileName('drill_001_aligned.csv'), undefined);
    assert.equal(parseRunFileName('damageface150025_001_aligned.csv'), undefined);
    assert.equal(parseRunFileName('face_1_aligned.csv'), undefined);
  });

  it('lists .csv.gz and .csv runs sorted by id and reports files it leaves out', async () => {
    const { folder, cleanup } = await tempFolder();
    try {
      for (const name of [
        'pocket_002_aligned.csv.gz',
        'face_010_aligned.csv',
        'face_002_aligned.csv.gz',
        'face_002_aligned.csv',
        'notes.csv',
        'SOURCE.md',
        '.face_003_aligned.csv.gz.partial',
      ]) {
        await writeFile(join(folder, name), 'x');
      }
      await mkdir(join(folder, 'adaptive_001_aligned.csv'));
      const { runs, skipped } = await scanRuns(folder);
      assert.deepEqual(
        runs.map((run) => run.id),
        ['face_002', 'face_010', 'pocket_002'],
      );
      assert.equal(runs[0]?.file, join(folder, 'face_002_aligned.csv.gz'));
      assert.deepEqual(skipped.map((entry) => entry.file).sort(), [
        join(folder, 'adaptive_001_aligned.csv'),
        join(folder, 'face_002_aligned.csv'),
        join(folder, 'notes.csv'),
      ]);
      assert.deepEqual(
        (await listRuns(folder)).map((run) => run.id),
        ['face_002', 'face_010', 'pocket_002'],
      );
    } finally {
      await cleanup();
    }
  });

  it('names a missing folder and how to get the data', async () => {
    await assert.rejects(listRuns('/nonexistent/adaptd-data'), (error: unknown) => {
      assert.ok(isAdaptdError(error, 'DATA_NOT_FOUND'));
      assert.match(error.message, /\/nonexistent\/adaptd-data/);
      assert.match(error.message, /adaptd data download --out \/nonexistent\/adaptd-data/);
      return true;
    });
  });

  it('takes the data folder from ADAPTD_DATA_DIR, else beside the repository', () => {
    const saved = process.env.ADAPTD_DATA_DIR;
    try {
      process.env.ADAPTD_DATA_DIR = '/srv/runs';
      assert.equal(defaultDataDir(), '/srv/runs');
      delete process.env.ADAPTD_DATA_DIR;
      assert.match(defaultDataDir(), /\/shared\/datasets\/cnc-gcode-sensors$/);
      assert.ok(!defaultDataDir().includes('/src/'));
    } finally {
      if (saved === undefined) delete process.env.ADAPTD_DATA_DIR;
      else process.env.ADAPTD_DATA_DIR = saved;
    }
  });
});
