import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isAdaptdError } from '../../src/errors.js';
import { DEFAULT_VALUE_BUCKETS, SignedLogBuckets } from '../../src/gcode/valueBuckets.js';

describe('SignedLogBuckets', () => {
  const buckets = new SignedLogBuckets();

  it('has ten buckets a decade from 1e-4 to 1e5 on each side of zero', () => {
    assert.equal(buckets.size, 181);
    assert.equal(buckets.labels[90], '0');
    assert.equal(buckets.labels[91], '0.000112');
    assert.equal(buckets.labels[180], '89100');
    assert.equal(buckets.labels[0], '-89100');
  });

  it('orders buckets by value and treats tiny magnitudes as zero', () => {
    const values = [-50000, -3.3, -0.0003, -0.00001, 0, 0.00001, 0.0003, 0.025, 3.3, 12000];
    const indices = values.map((value) => buckets.assign(value).index);
    assert.deepEqual(
      indices,
      [...indices].sort((a, b) => a - b),
    );
    assert.equal(buckets.assign(-0.00001).index, 90);
    assert.equal(buckets.assign(-0).index, 90);
    assert.equal(buckets.assign(0.0001).index, 91);
  });

  it('keeps the feeds and step-downs of the recorded runs apart', () => {
    const feeds = [7.3, 13.3, 22, 40].map((value) => buckets.assign(value).index);
    assert.equal(new Set(feeds).size, 4);
    assert.notEqual(buckets.assign(0.025).index, buckets.assign(0.0394).index);
  });

  it('puts every centre back into its own bucket, within 13% of any value there', () => {
    for (let index = 0; index < buckets.size; index += 1) {
      assert.equal(buckets.assign(buckets.centre(index)).index, index, `bucket ${index}`);
    }
    for (const value of [0.0003, 0.025, 0.6, 3.6096, 7.9398, 40, 12000, -0.2861]) {
      const centre = buckets.centre(buckets.assign(value).index);
      assert.ok(Math.abs(centre / value - 1) < 0.13, `${value} -> ${centre}`);
    }
  });

  it('clamps magnitudes beyond the largest bucket and says so', () => {
    assert.deepEqual(buckets.assign(250000), { index: 180, clamped: true });
    assert.deepEqual(buckets.assign(-1e9), { index: 0, clamped: true });
    assert.deepEqual(buckets.assign(99999), { index: 180, clamped: false });
  });

  it('round-trips centres at the finest and widest allowed specs', () => {
    for (const spec of [
      { ...DEFAULT_VALUE_BUCKETS, minExponent: -6, maxExponent: 9, bucketsPerDecade: 50 },
      { ...DEFAULT_VALUE_BUCKETS, bucketsPerDecade: 1 },
    ]) {
      const wide = new SignedLogBuckets(spec);
      for (let index = 0; index < wide.size; index += 1) {
        assert.equal(wide.assign(wide.centre(index)).index, index);
        assert.doesNotMatch(wide.labels[index] ?? '', /e/);
      }
    }
  });

  it('rejects specs whose labels could not round-trip', () => {
    for (const spec of [
      { minExponent: -7 },
      { maxExponent: 10 },
      { minExponent: 2, maxExponent: 2 },
      { bucketsPerDecade: 0 },
      { bucketsPerDecade: 2.5 },
      { bucketsPerDecade: 51 },
    ]) {
      assert.throws(
        () => new SignedLogBuckets({ ...DEFAULT_VALUE_BUCKETS, ...spec }),
        (error) => isAdaptdError(error, 'MODEL_INVALID'),
        JSON.stringify(spec),
      );
    }
  });

  it('refuses a centre for a bucket that does not exist', () => {
    assert.throws(() => buckets.centre(181), /value bucket 181 does not exist; .* 0 to 180/);
    assert.throws(
      () => buckets.centre(-1),
      (error) => isAdaptdError(error, 'GCODE_INVALID'),
    );
  });
});
