import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { LabelledWindows } from '../../../src/model/training/windowBatch.js';
import {
  channelCorrection,
  correctedWindows,
} from '../../../src/strategies/alignment/channelCorrection.js';
import { channelStatistics } from '../../../src/strategies/alignment/channelStatistics.js';
import {
  CHANNELS,
  shiftedTarget,
  sourceWindows,
  TARGET_GAIN,
  TARGET_OFFSET,
} from './shiftedTask.js';

/** Windows of given values [count, length, channels] and one mask for all of them. */
function windowsOf(
  x: Float32Array,
  count: number,
  length: number,
  mask: number[],
): LabelledWindows {
  const channels = mask.length;
  return {
    count,
    length,
    channels,
    contextSize: 1,
    gather(indices) {
      const out = new Float32Array(indices.length * length * channels);
      indices.forEach((w, i) =>
        out.set(
          x.subarray(w * length * channels, (w + 1) * length * channels),
          i * length * channels,
        ),
      );
      return { x: out, mask: Float32Array.from(indices.flatMap(() => mask)) };
    },
    context: (indices) => new Float32Array(indices.length).fill(1),
    labels: {},
  };
}

describe('channelStatistics', () => {
  it('gives the median and IQR / 1.349 of present values, ignoring missing channels', () => {
    // One window of 5 rows: channel 0 holds 1..5, channel 1 is missing and holds garbage.
    const x = Float32Array.from([1, 99, 2, 99, 3, 99, 4, 99, 5, 99]);
    const stats = channelStatistics(windowsOf(x, 1, 5, [1, 0]));
    assert.equal(stats.centre[0], 3);
    assert.ok(Math.abs(stats.scale[0]! - 2 / 1.349) < 1e-12);
    assert.equal(stats.counts[0], 5);
    assert.equal(stats.counts[1], 0);
    assert.equal(stats.centre[1], 0);
  });

  it('thins long sets by a window stride and still lands near the full statistics', () => {
    const windows = sourceWindows(200, 1);
    const full = channelStatistics(windows);
    const thinned = channelStatistics(windows, { maxValues: 400, chunk: 7 });
    assert.ok(thinned.counts[0]! <= 400 && thinned.counts[0]! >= 300);
    for (let c = 0; c < CHANNELS; c += 1) {
      assert.ok(Math.abs(thinned.centre[c]! - full.centre[c]!) < 0.35, `centre ${c}`);
    }
  });
});

describe('channelCorrection', () => {
  it('inverts a per-channel affine shift of the same windows exactly', () => {
    const source = channelStatistics(sourceWindows(64, 5));
    const target = channelStatistics(shiftedTarget(64, 5));
    const { gain, offset } = channelCorrection(source, target);
    for (let c = 0; c < CHANNELS; c += 1) {
      const expectedGain = 1 / TARGET_GAIN[c]!;
      assert.ok(Math.abs(gain[c]! - expectedGain) < 1e-5, `gain ${c}: ${gain[c]}`);
      const expectedOffset = -TARGET_OFFSET[c]! * expectedGain;
      assert.ok(Math.abs(offset[c]! - expectedOffset) < 1e-5, `offset ${c}: ${offset[c]}`);
    }
    const corrected = correctedWindows(shiftedTarget(64, 5), { gain, offset }).gather([3, 9]);
    const original = sourceWindows(64, 5).gather([3, 9]);
    corrected.x.forEach((v, i) => assert.ok(Math.abs(v - original.x[i]!) < 1e-4, `value ${i}`));
  });

  it('only shifts a constant channel and leaves missing channels at zero', () => {
    const length = 4;
    // Channel 0 constant at 2 in the target (0 spread), channel 1 missing in the target.
    const target = windowsOf(Float32Array.from([2, 0, 2, 0, 2, 0, 2, 0]), 1, length, [1, 0]);
    const source = windowsOf(Float32Array.from([0, 1, 1, 2, 2, 3, 3, 4]), 1, length, [1, 1]);
    const correction = channelCorrection(channelStatistics(source), channelStatistics(target));
    assert.equal(correction.gain[0], 1);
    assert.equal(correction.offset[0], 1.5 - 2);
    assert.equal(correction.gain[1], 1);
    assert.equal(correction.offset[1], 0);
    const { x } = correctedWindows(target, correction).gather([0]);
    assert.deepEqual(Array.from(x), [1.5, 0, 1.5, 0, 1.5, 0, 1.5, 0]);
  });
});
