import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { labelledWindows, type WindowSource } from '../../src/model/modelBundle.js';

/** Three windows of length 4; row labels encode window and row so misalignment shows. */
function fakeSet(): WindowSource {
  const length = 4;
  const count = 3;
  const motionSteps = Int8Array.from({ length: count * length }, (_, r) => r % 4);
  return {
    count,
    length,
    channels: 1,
    gather: (indices: readonly number[]) => ({
      x: Float32Array.from(indices.flatMap((i) => [i, i, i, i])),
      mask: new Float32Array(indices.length).fill(1),
    }),
    context: (indices: readonly number[]) => new Float32Array(indices.length),
    operation: Int32Array.from([0, 1, 2]),
    variant: Int32Array.from([0, 0, 0]),
    tool: Int32Array.from([0, 0, 0]),
    motionSteps,
    feedBand: Int32Array.from([1, 2, 3]),
    gcodeText: ['G1 X1.', 'X2.', ''],
  } as unknown as WindowSource;
}

describe('labelledWindows', () => {
  it('picks window labels per window and step labels per row of the chosen windows', () => {
    const set = fakeSet();
    (set.motionSteps as Int8Array).set([3, 2, 1, 0], 8);
    const view = labelledWindows(set, [2, 0]);
    assert.equal(view.count, 2);
    assert.deepEqual(Array.from(view.labels.operation!), [2, 0]);
    assert.deepEqual(Array.from(view.labels.feedBand!), [3, 1]);
    assert.deepEqual(Array.from(view.labels.motion!), [3, 2, 1, 0, 0, 1, 2, 3]);
    assert.equal(view.labels.gcodeType![0], -1, 'window 2 runs an empty line');
    assert.ok(view.labels.gcodeType![1]! >= 0, 'window 0 runs G1 X1.');
    assert.deepEqual(Array.from(view.gather([0]).x), [2, 2, 2, 2]);
  });
});
