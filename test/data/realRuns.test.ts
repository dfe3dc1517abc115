import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { inspectRun } from '../../src/data/boardActivity.js';
import { buildSchema } from '../../src/data/channelSchema.js';
import { DATASET_MANIFEST } from '../../src/data/download.js';
import { Normaliser } from '../../src/data/normaliser.js';
import { defaultDataDir, listRuns } from '../../src/data/runCatalog.js';
import type { RunFrame } from '../../src/data/runFrame.js';
import { readRun } from '../../src/data/runReader.js';
import { buildWindowSet, OPERATIONS } from '../../src/data/windows.js';

const folder = defaultDataDir();
const skip = existsSync(folder) ? false : `shared data folder ${folder} is absent`;

/** Data rows per file as counted independently with Python's csv module. */
const EXPECTED_ROWS: Record<string, number> = {
  face_001: 775,
  face150025_001: 3504,
  pocket150025_012: 614,
};

describe('real recorded runs', { skip }, () => {
  it('reads three runs with their row counts, formats and quirks', async () => {
    const runs = (await listRuns(folder)).filter((run) => run.id in EXPECTED_ROWS);
    assert.equal(runs.length, 3);
    const frames = new Map<string, RunFrame>();
    for (const run of runs) frames.set(run.id, await readRun(run));
    for (const [id, rows] of Object.entries(EXPECTED_ROWS))
      assert.equal(frames.get(id)?.rows, rows, id);

    const face = frames.get('face_001') as RunFrame;
    assert.ok(
      Math.abs(
        (face.time.at(-1) ?? 0) - (14 * 3600 + 28 * 60 + 48.116 - (14 * 3600 + 25 * 60 + 23.7)),
      ) < 1e-3,
    );
    assert.deepEqual(inspectRun(face).deadBoards, ['xa_motor']);
    // The *_A currents are dropped from schemas because they repeat the plain columns.
    for (const name of ['spindle', 'x_motor', 'y_motor', 'z_motor']) {
      assert.deepEqual(face.values.get(`${name}_A`), face.values.get(name), name);
    }

    // MM:SS.f times; 2,773 rows without momo, coor and sensors.
    const odd = frames.get('face150025_001') as RunFrame;
    assert.ok((odd.time.at(-1) ?? 0) > 20 * 60);
    assert.equal(odd.motion.filter((m) => m === -1).length, 2773);
    assert.equal(odd.state.coor.filter((c) => c === -1).length, 2773);
    assert.ok(!frames.get('pocket150025_012')?.columns.includes('spindle_A'));

    const all = [...frames.values()];
    const schema = buildSchema(all);
    const set = buildWindowSet(all, schema, Normaliser.fit(all, schema));
    assert.ok(set.count > 0);
    for (let i = 0; i < set.count; i += 1) {
      const run = set.runs[set.windowRun[i] ?? 0];
      assert.equal(OPERATIONS[set.operation[i] ?? -1], run?.operation);
      assert.ok((set.motion[i] ?? -2) >= -1 && (set.motion[i] ?? 4) <= 3);
    }
    // face150025_001: only its first 731 rows carry sensors, so at most (731 - 64) / 16 + 1 windows.
    const oddRun = set.runs.findIndex((run) => run.id === 'face150025_001');
    assert.ok(set.windowRun.filter((r) => r === oddRun).length <= 42);
    const { x } = set.gather([...Array(set.count).keys()]);
    assert.ok(x.every(Number.isFinite));
  });

  it('matches the committed manifest', async () => {
    for (const id of Object.keys(EXPECTED_ROWS)) {
      const name = `${id}_aligned.csv`;
      const data = gunzipSync(await readFile(`${folder}/${name}.gz`));
      const expected = DATASET_MANIFEST.files[name];
      assert.equal(createHash('sha256').update(data).digest('hex'), expected?.sha256, name);
      assert.equal(data.length, expected?.bytes, name);
    }
  });
});
