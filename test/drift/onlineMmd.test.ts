import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OnlineMmd, windowMmd } from '../../src/drift/onlineMmd.js';
import { ReferenceKernel } from '../../src/drift/referenceKernel.js';
import {
  mmdFromKernel,
  pooledKernel,
  standardisePooled,
} from '../../src/strategies/alignment/mmdStatistic.js';
import { gaussianRows } from './syntheticStreams.js';

describe('OnlineMmd', () => {
  it('equals the from-scratch statistic at every step of a stream that shifts', () => {
    const dim = 6;
    const reference = gaussianRows(80, dim, 1).flat();
    const stream = [...gaussianRows(150, dim, 2), ...gaussianRows(150, dim, 3, 0.8)];
    const kernel = ReferenceKernel.fit(reference, dim);
    const online = new OnlineMmd(reference, 12, kernel);
    let compared = 0;
    let worst = 0;
    stream.forEach((row, t) => {
      const value = online.push(row);
      if (t < 11) {
        assert.equal(value, undefined, `statistic before the window is full at step ${t}`);
        return;
      }
      const batch = windowMmd(kernel, reference, stream.slice(t - 11, t + 1).flat());
      const relative = Math.abs(value! - batch) / Math.abs(batch);
      worst = Math.max(worst, relative);
      compared += 1;
    });
    assert.equal(compared, stream.length - 11, 'every full-window step compared');
    assert.ok(worst <= 1e-9, `largest relative difference ${worst}`);
  });

  it('stays exact over a long stream, after a clear, and on the window it keeps', () => {
    const dim = 4;
    const reference = gaussianRows(40, dim, 5).flat();
    const stream = gaussianRows(3000, dim, 6, 0.2);
    const kernel = ReferenceKernel.fit(reference, dim);
    const online = new OnlineMmd(reference, 8, kernel);
    stream.slice(0, 2500).forEach((row) => online.push(row));
    online.clear();
    assert.equal(online.statistic(), undefined, 'a cleared window has no statistic');
    let value: number | undefined;
    for (const row of stream.slice(2500)) value = online.push(row);
    const last = stream.slice(-8);
    const batch = windowMmd(kernel, reference, last.flat());
    assert.ok(Math.abs(value! - batch) <= 1e-9 * Math.abs(batch), `${value} against ${batch}`);
    assert.deepEqual(Array.from(online.windowRows()), last.flat(), 'window rows oldest first');
  });

  it('is the shared unbiased estimator when given the pooled kernel of the same rows', () => {
    const dim = 3;
    const x = Float32Array.from(gaussianRows(20, dim, 7).flat());
    const y = Float32Array.from(gaussianRows(10, dim, 8, 1).flat());
    const z = standardisePooled(x, y, dim);
    const { kernel: gram, bandwidth } = pooledKernel(z, dim);
    const expected = mmdFromKernel(
      gram,
      Array.from({ length: 30 }, (_, r) => r < 20),
    );
    // An identity standardisation on rows already standardised gives the same Gram matrix.
    const identity = new ReferenceKernel({
      mean: [0, 0, 0],
      std: [1, 1, 1],
      bandwidth,
      multipliers: [0.25, 0.5, 1, 2, 4],
    });
    const value = windowMmd(identity, z.subarray(0, 20 * dim), z.subarray(20 * dim));
    assert.ok(Math.abs(value - expected) < 1e-12, `${value} against ${expected}`);
  });

  it('grows with a mean shift and sits near zero without one', () => {
    const dim = 5;
    const reference = gaussianRows(200, dim, 9).flat();
    const kernel = ReferenceKernel.fit(reference, dim);
    const last = (rows: number[][]): number => {
      const online = new OnlineMmd(reference, 32, kernel);
      let value = Number.NaN;
      for (const row of rows) value = online.push(row) ?? Number.NaN;
      return value;
    };
    const same = last(gaussianRows(32, dim, 10));
    const shifted = last(gaussianRows(32, dim, 11, 1.5));
    assert.ok(Math.abs(same) < 0.1, `no-shift statistic ${same}`);
    assert.ok(shifted > 0.3, `shifted statistic ${shifted}`);
  });

  it('refuses an embedding of the wrong width', () => {
    const reference = gaussianRows(10, 3, 12).flat();
    const online = new OnlineMmd(reference, 4, ReferenceKernel.fit(reference, 3));
    assert.throws(() => online.push([1, 2]), /2 features; the reference has 3/);
  });
});
