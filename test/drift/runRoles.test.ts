import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseRunFileName, type RunInfo } from '../../src/data/runCatalog.js';
import { selectRuns } from '../../src/drift/runEmbeddings.js';
import { assignRunRoles } from '../../src/drift/runRoles.js';
import { isAdaptdError } from '../../src/errors.js';

const run = (id: string): RunInfo => ({ ...parseRunFileName(`${id}_aligned.csv.gz`)!, file: id });

describe('assignRunRoles', () => {
  it('gives every role a run of every operation with three or more runs', () => {
    const runs = ['face', 'pocket', 'adaptive'].flatMap((op) =>
      [1, 2, 3, 4].map((n) => run(`${op}_00${n}`)),
    );
    const roles = assignRunRoles(runs, 5);
    for (const [role, members] of Object.entries(roles) as [string, RunInfo[]][]) {
      assert.deepEqual(
        [...new Set(members.map((r) => r.operation))].sort(),
        ['adaptive', 'face', 'pocket'],
        `${role} operations`,
      );
    }
    const all = [...roles.reference, ...roles.calibration, ...roles.replay];
    assert.equal(new Set(all).size, 12, 'each run in exactly one role');
    assert.equal(roles.reference.length, 6, 'the fourth run of each operation goes to reference');
  });

  it('keeps runs that contain one another in one role', () => {
    const runs = ['pocket150025_005', 'pocket150025_006', 'pocket150025_001', 'pocket150025_002'];
    for (let seed = 0; seed < 20; seed += 1) {
      const roles = assignRunRoles(runs.map(run), seed);
      const holding = Object.values(roles).filter((members: RunInfo[]) =>
        members.some((r) => r.id === 'pocket150025_005'),
      )[0] as RunInfo[];
      assert.ok(
        holding.some((r) => r.id === 'pocket150025_006'),
        `seed ${seed}: 005 and 006 together`,
      );
    }
  });
});

describe('selectRuns', () => {
  const available = ['face_001', 'face_002', 'damageface_001', 'damageface_002'].map(run);

  it('expands groups and keeps the order given, each run once', () => {
    const ids = selectRuns(available, ['face_002', 'damageface', 'damageface_001']).map(
      (r) => r.id,
    );
    assert.deepEqual(ids, ['face_002', 'damageface_001', 'damageface_002'], 'selection');
  });

  it('names what matched nothing', () => {
    assert.throws(
      () => selectRuns(available, ['face_009', 'face_001']),
      (e) => isAdaptdError(e, 'DATA_NOT_FOUND') && /face_009/.test(e.message),
    );
  });
});
