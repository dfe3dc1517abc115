import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseRunFileName, type RunInfo } from '../../../src/data/runCatalog.js';
import { isAdaptdError } from '../../../src/errors.js';
import { selectRuns } from '../../../src/transports/replay/selectRuns.js';

const available: RunInfo[] = [
  'damagepocket_001',
  'face_001',
  'face_002',
  'pocket150025_003',
  'pocket_004',
  'pocket_005',
].map((id) => ({ ...parseRunFileName(`${id}.csv.gz`)!, file: `/data/${id}.csv.gz` }));

const ids = (runs: RunInfo[]) => runs.map((run) => run.id);

describe('selectRuns', () => {
  it('takes named runs in the order given', () => {
    assert.deepEqual(ids(selectRuns(available, { runs: ['pocket_005', 'face_001'] })), [
      'pocket_005',
      'face_001',
    ]);
  });

  it('takes every run of the named groups, group by group', () => {
    assert.deepEqual(ids(selectRuns(available, { groups: ['pocket', 'face'] })), [
      'pocket_004',
      'pocket_005',
      'face_001',
      'face_002',
    ]);
  });

  it('defaults to one run each of a source program, a new program and a damaged tool', () => {
    assert.deepEqual(ids(selectRuns(available)), [
      'pocket_004',
      'pocket150025_003',
      'damagepocket_001',
    ]);
  });

  it('refuses every unknown name at once, listing what there is', () => {
    assert.throws(
      () => selectRuns(available, { groups: ['drill', 'face', 'tap'] }),
      (error) => {
        assert.ok(isAdaptdError(error, 'DATA_NOT_FOUND'));
        assert.match(
          error.message,
          /^groups drill, tap not in the data folder; it has damagepocket/,
        );
        return true;
      },
    );
    assert.throws(() => selectRuns([], {}), /groups pocket, pocket150025, damagepocket/);
  });
});
