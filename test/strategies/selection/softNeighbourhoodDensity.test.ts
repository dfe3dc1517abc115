import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { softNeighbourhoodDensity } from '../../../src/strategies/selection/softNeighbourhoodDensity.js';
import { gaussian, seededRandom } from '../../../src/util/random.js';

/** Rows around `centres` (dim each) with noise `spread`, `perCentre` rows per centre. */
function clusters(
  centres: number[][],
  perCentre: number,
  spread: number,
  seed: number,
): Float32Array {
  const random = seededRandom(seed);
  return Float32Array.from(
    centres.flatMap((c) =>
      Array.from({ length: perCentre }, () => c.map((v) => v + gaussian(random) * spread)).flat(),
    ),
  );
}

describe('softNeighbourhoodDensity', () => {
  it('matches the formula on three points', () => {
    const features = Float32Array.from([1, 0, 0, 1, 1, 1]);
    const t = 0.5;
    const unit = [
      [1, 0],
      [0, 1],
      [Math.SQRT1_2, Math.SQRT1_2],
    ];
    let expected = 0;
    for (let i = 0; i < 3; i += 1) {
      const logits = unit.map(
        (u, j) => (i === j ? -1 : u[0]! * unit[i]![0]! + u[1]! * unit[i]![1]!) / t,
      );
      const z = logits.reduce((s, l) => s + Math.exp(l), 0);
      expected -= logits.reduce((s, l) => s + (Math.exp(l) / z) * Math.log(Math.exp(l) / z), 0);
    }
    expected /= 3;
    const value = softNeighbourhoodDensity(features, 2, { temperature: t });
    assert.ok(Math.abs(value - expected) < 1e-12, `${value} vs ${expected}`);
  });

  it('scores tight clusters above scattered points', () => {
    const random = seededRandom(4);
    const scattered = Float32Array.from({ length: 60 * 8 }, () => gaussian(random));
    const centres = [0, 1, 2].map((k) =>
      Array.from({ length: 8 }, (_, f) => (f % 3 === k ? 3 : 0)),
    );
    const clustered = clusters(centres, 20, 0.05, 5);
    const tight = softNeighbourhoodDensity(clustered, 8);
    const loose = softNeighbourhoodDensity(scattered, 8);
    assert.ok(tight > loose + 1, `clustered ${tight}, scattered ${loose}`);
    // Twenty near-identical neighbours: close to ln(19), the uniform spread over them.
    assert.ok(Math.abs(tight - Math.log(19)) < 0.2, `clustered ${tight}`);
  });

  it('ignores the length of the feature vectors', () => {
    const features = clusters([[1, 2, 0]], 10, 0.5, 6);
    const scaled = features.map((v) => v * 8);
    const a = softNeighbourhoodDensity(features, 3);
    const b = softNeighbourhoodDensity(scaled, 3);
    assert.ok(Math.abs(a - b) < 1e-6, `${a} vs ${b}`);
  });

  it('thins to at most maxRows rows by an even stride', () => {
    const features = clusters([[1, 0]], 10, 0.3, 7);
    const everyOther = Float32Array.from(
      [0, 2, 4, 6, 8].flatMap((r) => [features[r * 2]!, features[r * 2 + 1]!]),
    );
    const thinned = softNeighbourhoodDensity(features, 2, { maxRows: 5 });
    assert.ok(Math.abs(thinned - softNeighbourhoodDensity(everyOther, 2)) < 1e-12);
    assert.ok(Math.abs(thinned - softNeighbourhoodDensity(features, 2)) > 1e-3);
  });

  it('refuses a single row', () => {
    assert.throws(() => softNeighbourhoodDensity(new Float32Array(3), 3), /at least 2 rows/);
  });
});
