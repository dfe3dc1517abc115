import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OperatorLabels } from '../../src/learning/operatorLabels.js';
import { TINY_HEADS } from '../support/tinyBundle.js';

const T0 = 1_700_000_000_000;

describe('OperatorLabels', () => {
  it('accepts a head and class of the model and remembers the range', () => {
    const labels = new OperatorLabels(TINY_HEADS);
    const check = labels.accept({ from: T0, to: T0 + 10_000, head: 'tool', label: 'damaged' });
    assert.deepEqual(check, {
      ok: true,
      range: { head: 'tool', classIndex: 1, from: T0, to: T0 + 10_000 },
    });
    assert.equal(labels.covering(T0 + 1000, T0 + 9000).length, 1, 'a window inside');
    assert.equal(labels.covering(T0 - 1, T0 + 9000).length, 0, 'a window starting before');
    assert.equal(labels.covering(T0 + 1000, T0 + 10_001).length, 0, 'a window ending after');
  });

  it('refuses an unknown head, an unknown class and a reversed range, naming what is allowed', () => {
    const labels = new OperatorLabels(TINY_HEADS);
    const head = labels.accept({ from: T0, to: T0 + 1, head: 'spindle', label: 'x' });
    assert.ok(!head.ok && head.detail.includes('operation, tool, motion'), 'lists the heads');
    const label = labels.accept({ from: T0, to: T0 + 1, head: 'tool', label: 'broken' });
    assert.ok(!label.ok && label.detail.includes('healthy, damaged'), 'lists the classes');
    const range = labels.accept({ from: T0 + 5, to: T0, head: 'tool', label: 'healthy' });
    assert.ok(!range.ok && range.detail.includes('before it starts'), 'reversed range');
    assert.equal(labels.remembered.length, 0, 'nothing refused is remembered');
  });

  it('keeps the newest maxRanges ranges and restores what it saved', () => {
    const labels = new OperatorLabels(TINY_HEADS, 2);
    for (let k = 0; k < 3; k += 1) {
      labels.accept({ from: T0 + k, to: T0 + k + 1, head: 'operation', label: 'face' });
    }
    assert.deepEqual(
      labels.remembered.map((r) => r.from),
      [T0 + 1, T0 + 2],
      'oldest forgotten',
    );
    const copy = new OperatorLabels(TINY_HEADS, 2);
    copy.restore([...labels.toJSON(), { head: 'gone', classIndex: 0, from: T0, to: T0 + 1 }]);
    assert.deepEqual(copy.toJSON(), labels.toJSON(), 'same ranges; a head the model lacks dropped');
  });
});
