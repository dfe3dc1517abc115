import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isAdaptdError } from '../../src/errors.js';
import { parseRunFileName, type RunInfo } from '../../src/data/runCatalog.js';
import {
  assertSplitDisjoint,
  DUPLICATE_GROUPS,
  SPLIT_PARTS,
  splitScenario,
  type ScenarioSplit,
} from '../../src/data/scenarioSplit.js';
import { S3_REQUIRED_BOARDS, SCENARIO_NAMES } from '../../src/data/scenarios.js';

/** The 108 runs of the shared folder, by name only. */
const RUNS: RunInfo[] = [
  ...['face', 'pocket', 'adaptive', 'face150025', 'pocket150025', 'adaptive150025'].flatMap(
    (group) => Array.from({ length: 16 }, (_, i) => `${group}_${String(i + 1).padStart(3, '0')}`),
  ),
  ...['damageface', 'damagepocket', 'damageadaptive'].flatMap((group) =>
    Array.from({ length: 4 }, (_, i) => `${group}_00${i + 1}`),
  ),
].map((id) => ({
  ...(parseRunFileName(`${id}.csv`) as Omit<RunInfo, 'file'>),
  file: `/data/${id}.csv`,
}));

/** Every third standard run lacks xa_motor; the rest log every board. */
const LIVE = new Map(
  RUNS.map((run, i) => [
    run.id,
    new Set(
      run.variant === 'standard' && i % 3 === 0
        ? ['frame_r2', 'y_bed__1']
        : ['frame_r2', ...S3_REQUIRED_BOARDS],
    ),
  ]),
);

function partOf(split: ScenarioSplit, id: string): string | undefined {
  return SPLIT_PARTS.find((part) => split[part].some((run) => run.id === id));
}

describe('splitScenario', () => {
  it('never puts a run in two parts and keeps duplicate pairs together, for many seeds', () => {
    for (const name of SCENARIO_NAMES) {
      for (let seed = 0; seed < 60; seed += 1) {
        const split = splitScenario(name, RUNS, seed, { liveBoards: LIVE });
        const ids = SPLIT_PARTS.flatMap((part) => split[part].map((run) => run.id));
        assert.equal(new Set(ids).size, ids.length, `${name} seed ${seed}`);
        for (const group of DUPLICATE_GROUPS) {
          const parts = new Set(group.map((id) => partOf(split, id)));
          assert.equal(
            parts.size,
            1,
            `${name} seed ${seed}: ${group.join('/')} in ${[...parts].join(', ')}`,
          );
        }
      }
    }
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const a = splitScenario('S1', RUNS, 7);
    assert.deepEqual(splitScenario('S1', RUNS, 7), a);
    assert.notDeepEqual(splitScenario('S1', RUNS, 8).targetTest, a.targetTest);
  });

  it('follows the scenario filters', () => {
    const s1 = splitScenario('S1', RUNS, 1);
    const source = [...s1.sourceTrain, ...s1.sourceVal];
    const target = [...s1.targetAdapt, ...s1.targetCheck, ...s1.targetTest];
    assert.equal(source.length, 48);
    assert.ok(source.every((run) => run.variant === 'standard'));
    assert.equal(target.length, 48);
    assert.ok(target.every((run) => run.variant === '150025' && run.tool === 'healthy'));
    const s2 = splitScenario('S2', RUNS, 1);
    const groups = (runs: RunInfo[]) => [...new Set(runs.map((run) => run.group))].sort();
    assert.deepEqual(groups([...s2.sourceTrain, ...s2.sourceVal]), ['damageface', 'face150025']);
    assert.deepEqual(groups([...s2.targetAdapt, ...s2.targetCheck, ...s2.targetTest]), [
      'damagepocket',
      'pocket150025',
    ]);
    const s3 = splitScenario('S3', RUNS, 1, { liveBoards: LIVE });
    assert.ok(
      [...s3.sourceTrain, ...s3.sourceVal].every((run) => LIVE.get(run.id)?.has('xa_motor')),
    );
    assert.ok(
      [...s3.targetTest, ...s3.targetCheck].every((run) => !LIVE.get(run.id)?.has('xa_motor')),
    );
  });

  it('spreads every class over every part; four damaged runs go 2 test, 1 check, 1 adapt', () => {
    for (let seed = 0; seed < 20; seed += 1) {
      const s2 = splitScenario('S2a', RUNS, seed);
      const damaged = (runs: RunInfo[]) => runs.filter((run) => run.tool === 'damaged').length;
      assert.deepEqual(
        [s2.targetTest, s2.targetCheck, s2.targetAdapt, s2.sourceVal, s2.sourceTrain].map(damaged),
        [2, 1, 1, 1, 3],
      );
      const s1 = splitScenario('S1', RUNS, seed);
      for (const part of SPLIT_PARTS) {
        const operations = new Set(s1[part].map((run) => run.operation));
        assert.equal(operations.size, 3, `S1 ${part} seed ${seed}`);
      }
    }
  });

  it('needs live boards for S3', () => {
    assert.throws(
      () => splitScenario('S3', RUNS, 0),
      (error: unknown) => isAdaptdError(error, 'CONFIG_INVALID'),
    );
  });

  it('has a check that refuses overlapping parts and split duplicates', () => {
    const split = splitScenario('S1', RUNS, 3);
    assert.doesNotThrow(() => assertSplitDisjoint(split));
    const first = split.targetTest[0] as RunInfo;
    assert.throws(
      () => assertSplitDisjoint({ ...split, targetAdapt: [...split.targetAdapt, first] }),
      /is in both/,
    );
    const [a, b] = DUPLICATE_GROUPS[0] as string[];
    const run = (id: string) => RUNS.find((entry) => entry.id === id) as RunInfo;
    const broken: ScenarioSplit = {
      sourceTrain: [run(a as string)],
      sourceVal: [],
      targetAdapt: [],
      targetCheck: [],
      targetTest: [run(b as string)],
    };
    assert.throws(() => assertSplitDisjoint(broken), /split over/);
  });
});
