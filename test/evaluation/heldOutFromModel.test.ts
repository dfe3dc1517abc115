import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RunInfo } from '../../src/data/runCatalog.js';
import type { ScenarioSplit } from '../../src/data/scenarioSplit.js';
import { heldOutFromModel } from '../../src/evaluation/scenarioWindows.js';

function run(id: string): RunInfo {
  return {
    id,
    file: `/data/${id}.csv.gz`,
    group: 'face',
    operation: 'face',
    variant: 'standard',
    tool: 'healthy',
  };
}

const ids = (runs: RunInfo[]): string[] => runs.map((r) => r.id).sort();

function split(): ScenarioSplit {
  return {
    sourceTrain: [run('a'), run('b'), run('c')],
    sourceVal: [run('d')],
    targetAdapt: [run('t1')],
    targetCheck: [run('t2')],
    targetTest: [run('t3')],
  };
}

describe('heldOutFromModel', () => {
  it('holds out exactly the source runs the model was not fitted on', () => {
    // The model saw a, c and d (another seed's split); b is the only run it never saw.
    const out = heldOutFromModel(split(), new Set(['a', 'c', 'd']));
    assert.deepEqual(ids(out.sourceVal), ['b']);
    assert.deepEqual(ids(out.sourceTrain), ['a', 'c', 'd']);
    assert.deepEqual(ids(out.targetTest), ['t3'], 'target parts are untouched');
    assert.deepEqual(ids(out.targetAdapt), ['t1']);
  });

  it('keeps the split when the model lists no runs or none of these', () => {
    assert.deepEqual(ids(heldOutFromModel(split(), undefined).sourceVal), ['d']);
    assert.deepEqual(ids(heldOutFromModel(split(), new Set(['x'])).sourceVal), ['d']);
  });
});
