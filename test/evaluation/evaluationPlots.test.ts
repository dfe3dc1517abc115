import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  evaluationPlots,
  type EmbeddingSnapshot,
} from '../../src/evaluation/plots/evaluationPlots.js';
import type { EvaluationResults } from '../../src/evaluation/evaluationRun.js';
import { projectPca } from '../../src/evaluation/plots/projectPca.js';
import { gaussian, seededRandom } from '../../src/util/random.js';

function embeddings(count: number, units: number, shift: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  return Float32Array.from(
    { length: count * units },
    (_, i) => gaussian(random) + (i % units === 0 ? shift : 0),
  );
}

describe('evaluation plots', () => {
  it('puts the direction of largest spread on the first component', () => {
    const units = 3;
    const values = embeddings(200, units, 0, 1);
    for (let i = 0; i < 200; i += 1) values[i * units + 1]! *= 10;
    const [points] = projectPca(values, units, [values]);
    const spread = (axis: 'x' | 'y') => Math.max(...points!.map((p) => Math.abs(p[axis])));
    assert.ok(spread('x') > spread('y'), 'PC 1 should carry the widest axis');
  });

  it('leaves out a unit that is constant on the fitted set instead of failing to scale it', () => {
    const units = 3;
    const values = embeddings(100, units, 0, 2);
    for (let i = 0; i < 100; i += 1) values[i * units + 2] = 0.25; // a unit that never fires
    const without = Float32Array.from(
      { length: 100 * 2 },
      (_, i) => values[Math.floor(i / 2) * units + (i % 2)]!,
    );
    const [points] = projectPca(values, units, [values]);
    const [expected] = projectPca(without, 2, [without]);
    assert.equal(points!.length, 100);
    for (let i = 0; i < 100; i += 1) {
      assert.ok(
        Math.abs(points![i]!.x - expected![i]!.x) < 1e-9 &&
          Math.abs(points![i]!.y - expected![i]!.y) < 1e-9,
        `point ${i} differs from the projection without the constant unit`,
      );
    }
  });

  it('renders every picture of a small evaluation as SVG', async () => {
    const cells = [0, 5].flatMap((shots) =>
      ['mmd', 'prototypes'].map((strategy) => ({
        scenario: 'S1',
        strategy,
        seed: 1,
        shots,
        test: 0.5 + shots / 20,
        check: 0.5,
        entropy: 0.7,
        trainableParameters: strategy === 'mmd' ? 1000 : 0,
        seconds: 1,
      })),
    );
    const results = {
      plan: { scenarios: ['S1'], strategies: ['mmd', 'prototypes'], seeds: [1], shots: [0, 5] },
      cells,
      references: [],
      skipped: [],
      sourceModels: {},
      snapshots: [],
    } as EvaluationResults;
    const snapshot: EmbeddingSnapshot = {
      scenario: 'S1',
      strategy: 'mmd',
      units: 4,
      before: { source: embeddings(30, 4, 0, 2), target: embeddings(30, 4, 3, 3) },
      after: { source: embeddings(30, 4, 0, 4), target: embeddings(30, 4, 1, 5) },
      targetClasses: Int32Array.from({ length: 30 }, (_, i) => i % 3),
      classNames: ['face', 'pocket', 'adaptive'],
      shots: [0, 1, 2],
    };
    const files = await evaluationPlots(results, [snapshot]);
    assert.deepEqual(Object.keys(files).sort(), [
      'accuracy-vs-shots.svg',
      'alignment-S1-mmd.svg',
      'parameters-vs-accuracy.svg',
      'prototypes-S1-mmd.svg',
      'strategies.svg',
    ]);
    for (const [name, svg] of Object.entries(files)) {
      assert.ok(svg.startsWith('<svg'), `${name} is not SVG`);
    }
    assert.ok(
      files['alignment-S1-mmd.svg']!.includes('after mmd'),
      'alignment facets are labelled',
    );
  });
});
