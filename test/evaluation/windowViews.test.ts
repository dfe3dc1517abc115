import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { drawShots } from '../../src/evaluation/drawShots.js';
import { scoredRows } from '../../src/evaluation/evaluateCell.js';
import { subsetWindows, withoutTargetLabels } from '../../src/evaluation/windowViews.js';
import { syntheticWindows } from '../support/syntheticWindows.js';

describe('evaluation window views', () => {
  it('draws the same shots for a seed, at most k per class, from labelled windows only', () => {
    const windows = syntheticWindows(60, 8, 4, 2, 3);
    windows.labels.operation![0] = -1;
    const a = drawShots(windows, 'operation', false, 3, 5, 11);
    const b = drawShots(windows, 'operation', false, 3, 5, 11);
    assert.deepEqual(a, b);
    assert.equal(a.length, 15);
    assert.ok(!a.includes(0), 'an unlabelled window is never a shot');
    const perClass = [0, 0, 0];
    for (const i of a) perClass[windows.labels.operation![i]!]! += 1;
    assert.deepEqual(perClass, [5, 5, 5]);
    assert.notDeepEqual(drawShots(windows, 'operation', false, 3, 5, 12), a);
  });

  it('subsets step labels row by row', () => {
    const windows = syntheticWindows(4, 8, 4, 2, 3);
    windows.labels.motion = Int32Array.from({ length: 32 }, (_, r) => r);
    const view = subsetWindows(windows, [3, 1], new Set(['motion']));
    assert.deepEqual(Array.from(view.labels.motion!.slice(0, 2)), [24, 25]);
    assert.deepEqual(Array.from(view.labels.motion!.slice(8, 10)), [8, 9]);
    assert.deepEqual(Array.from(view.gather([0]).x), Array.from(windows.gather([3]).x));
  });

  it('withholds every target label but the free motion labels', () => {
    const windows = syntheticWindows(4, 8, 4, 2, 3);
    assert.deepEqual(Object.keys(withoutTargetLabels(windows, true).labels), ['motion']);
    assert.deepEqual(Object.keys(withoutTargetLabels(windows, false).labels), []);
  });

  it('scores a step task on the last stride rows of each window', () => {
    const windows = syntheticWindows(2, 4, 4, 2, 3);
    windows.labels.motion = Int32Array.from([0, 0, 1, 1, 0, 0, 0, 1]);
    const probabilities = new Float32Array(8 * 2);
    for (let r = 0; r < 8; r += 1) probabilities[r * 2 + 1] = 1;
    const { truth, predicted } = scoredRows(probabilities, windows, 'motion', true, 2, 2);
    assert.deepEqual(Array.from(truth), [1, 1, 0, 1]);
    assert.deepEqual(Array.from(predicted), [1, 1, 1, 1]);
  });
});
