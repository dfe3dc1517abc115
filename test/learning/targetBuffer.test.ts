import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isAdaptdError } from '../../src/errors.js';
import { TargetBuffer } from '../../src/learning/targetBuffer.js';
import { labelledIndices, labelledView } from '../../src/learning/windowArrays.js';
import { TINY_HEADS } from '../support/tinyBundle.js';

const shape = { length: 4, channels: 2, contextSize: 3, units: 2 };
const holdout = { blockMs: 10_000, every: 3 };

/** Window k covers [10 s k + 1 s, 10 s k + 2 s]: in block k, held back when k mod 3 = 2. */
function window(k: number) {
  return {
    id: `w${k}`,
    from: k * 10_000 + 1000,
    to: k * 10_000 + 2000,
    x: Float32Array.from({ length: 8 }, (_, i) => k + i / 10),
    mask: Float32Array.of(1, k % 2),
    context: Float32Array.of(k, 0, 1),
  };
}

function filled(count: number, capacity = 10) {
  const buffer = new TargetBuffer({ heads: TINY_HEADS, shape, capacity, holdout, now: () => 42 });
  for (let k = 0; k < count; k += 1) {
    buffer.add(window(k), Float32Array.of(k, -k), k % 2 === 0 ? { operation: k % 3 } : {});
  }
  return buffer;
}

describe('TargetBuffer', () => {
  it('keeps the newest windows up to its capacity', () => {
    const buffer = filled(3, 10);
    const dropped = [3, 4].map((k) => buffer.add(window(k + 10), Float32Array.of(0, 0)));
    assert.deepEqual(dropped, [0, 0], 'room left');
    const small = filled(5, 3);
    assert.deepEqual(
      small.entries().map((w) => w.id),
      ['w2', 'w3', 'w4'],
      'oldest dropped',
    );
    assert.throws(
      () => small.add({ ...window(9), x: new Float32Array(3) }, Float32Array.of(0, 0)),
      (error: unknown) => isAdaptdError(error) && error.code === 'INTERNAL',
      'a window of the wrong shape is refused',
    );
  });

  it('labels the windows a range covers and reports those newly labelled', () => {
    const buffer = filled(6);
    const fresh = buffer.label({ head: 'tool', classIndex: 1, from: 10_000, to: 32_000 });
    assert.deepEqual(
      fresh.map((w) => w.id),
      ['w1', 'w2', 'w3'],
      'windows 1 to 3 inside the range',
    );
    const again = buffer.label({ head: 'tool', classIndex: 0, from: 10_000, to: 22_000 });
    assert.deepEqual(again, [], 'relabelling is no new support');
    assert.deepEqual([...buffer.entries()[1]!.labels.get('tool')!], [0], 'the later label wins');
    const motion = buffer.label({ head: 'motion', classIndex: 2, from: 0, to: 3000 });
    assert.deepEqual(
      [...motion[0]!.labels.get('motion')!],
      [2, 2, 2, 2],
      'every row of a step head',
    );
  });

  it('snapshots plain arrays split by held-back time blocks', () => {
    const buffer = filled(6);
    buffer.label({ head: 'motion', classIndex: 1, from: 50_000, to: 60_000 });
    const { adapt, heldBack, takenAt } = buffer.snapshot();
    assert.equal(takenAt, 42, 'clock time');
    assert.deepEqual(adapt.ids, ['w0', 'w1', 'w3', 'w4'], 'blocks 0, 1, 3, 4');
    assert.deepEqual(heldBack.ids, ['w2', 'w5'], 'blocks 2 and 5');
    assert.deepEqual([...adapt.labels.operation!], [0, -1, -1, 1], 'window labels, -1 unknown');
    assert.equal(heldBack.labels.motion!.length, 2 * shape.length, 'step labels per row');
    assert.deepEqual(labelledIndices(heldBack, 'motion'), [1], 'w5 has motion labels');
    const view = labelledView(adapt);
    const { x, mask } = view.gather([2]);
    assert.deepEqual([...x], [...window(3).x], 'values of w3');
    assert.deepEqual([...mask], [1, 1], 'mask of w3');
    assert.deepEqual([...view.context([0, 2])], [0, 0, 1, 3, 0, 1], 'context rows');
    assert.deepEqual([...adapt.embeddings.subarray(4, 6)], [3, -3], 'embedding of w3');
    assert.deepEqual(buffer.counts(), { windows: 6, labelled: 4, heldBack: 2 }, 'counts');
    const copy = structuredClone(adapt);
    assert.deepEqual(copy.ids, adapt.ids, 'the snapshot survives a structured clone');
  });

  it('restores what it saved, refusing a state of another shape', () => {
    const buffer = filled(4);
    buffer.label({ head: 'tool', classIndex: 1, from: 0, to: 50_000 });
    const saved = JSON.parse(JSON.stringify(buffer.toJSON())) as unknown;
    const copy = filled(0);
    copy.restore(saved);
    assert.deepEqual(copy.snapshot(), buffer.snapshot(), 'same content');
    const other = new TargetBuffer({
      heads: TINY_HEADS,
      shape: { ...shape, units: 3 },
      capacity: 10,
      holdout,
    });
    assert.throws(
      () => other.restore(saved),
      (error: unknown) => isAdaptdError(error) && error.code === 'STATE_CORRUPT',
      'other embedding units',
    );
  });
});
