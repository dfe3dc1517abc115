import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isAdaptdError } from '../../../src/errors.js';
import type { LabelledWindows } from '../../../src/model/training/windowBatch.js';
import type { AdaptedPredictor, TransferTask } from '../../../src/strategies/strategy.js';
import {
  devScore,
  entropyScore,
  sndScore,
  type LabelFreeScore,
} from '../../../src/strategies/selection/labelFreeScores.js';
import { bestIndex, selectBy } from '../../../src/strategies/selection/selectBy.js';
import { gaussian, seededRandom } from '../../../src/util/random.js';
import { LENGTH, shiftedTarget, sourceWindows } from '../alignment/shiftedTask.js';

const TASK: TransferTask = { head: 'operation', classes: ['face', 'pocket', 'adaptive'] };

/** Mean of the first three channels per window: the synthetic operation signal. */
function operationSignal(windows: LabelledWindows): number[] {
  const indices = Array.from({ length: windows.count }, (_, i) => i);
  const { x } = windows.gather(indices);
  const { channels } = windows;
  return indices.map((w) => {
    let sum = 0;
    for (let t = 0; t < LENGTH; t += 1) {
      for (let c = 0; c < 3; c += 1) sum += x[(w * LENGTH + t) * channels + c]!;
    }
    return sum / (LENGTH * 3);
  });
}

/** A predictor built from per-window functions of the operation signal. */
function predictorOf(
  probabilities: (signal: number) => number[],
  embedding: (signal: number, window: number) => number[],
): AdaptedPredictor {
  return {
    predict: (windows) =>
      Promise.resolve(Float32Array.from(operationSignal(windows).flatMap(probabilities))),
    embed: (windows) =>
      Promise.resolve(Float32Array.from(operationSignal(windows).flatMap(embedding))),
    trainableParameters: 0,
    dispose: () => undefined,
  };
}

/** Softmax over classes of the negative squared distance of the signal to -1, 0, 1. */
const reading =
  (sharpness: number) =>
  (signal: number): number[] => {
    const logits = [-1, 0, 1].map((centre) => -sharpness * (signal - centre) ** 2);
    const max = Math.max(...logits);
    const e = logits.map((l) => Math.exp(l - max));
    const sum = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / sum);
  };
const signalEmbedding = (signal: number): number[] => [signal, 1];
const uniform = (): number[] => [1 / 3, 1 / 3, 1 / 3];

describe('bestIndex', () => {
  it('takes the largest or the smallest finite value, the first on ties', () => {
    assert.equal(bestIndex([3, 5, 5, 1], 'higher'), 1);
    assert.equal(bestIndex([3, 5, 1, 1], 'lower'), 2);
    assert.equal(bestIndex([Number.NaN, 2, Infinity], 'higher'), 1);
    assert.equal(bestIndex([Number.NaN], 'lower'), -1);
  });
});

describe('selectBy', () => {
  // Target labels throw when read: every score here must do without them.
  const target = shiftedTarget(60, 2);

  it('by entropy prefers the confident predictor, and a collapsed one most of all', async () => {
    const candidates = [
      { name: 'unsure', predictor: predictorOf(reading(0.2), signalEmbedding) },
      { name: 'sure', predictor: predictorOf(reading(5), signalEmbedding) },
    ];
    const selection = await selectBy(candidates, entropyScore(target, TASK));
    assert.equal(selection.best.name, 'sure');
    assert.equal(selection.better, 'lower');
    assert.ok(selection.values[0]!.value > selection.values[1]!.value);
    const collapsed = {
      name: 'collapsed',
      predictor: predictorOf(() => [1, 0, 0], signalEmbedding),
    };
    const withCollapse = await selectBy([...candidates, collapsed], entropyScore(target, TASK));
    assert.equal(withCollapse.best.name, 'collapsed');
    assert.equal(withCollapse.values[2]!.value, 0);
  });

  it('by SND prefers embeddings that gather the target into clusters', async () => {
    const random = seededRandom(9);
    const noise = (): number[] => Array.from({ length: 4 }, () => gaussian(random));
    // The class read off the signal, as a one-hot direction plus a little noise.
    const clustered = (signal: number): number[] =>
      reading(20)(signal)
        .map((p) => p + gaussian(random) * 0.02)
        .concat([0]);
    const selection = await selectBy(
      [
        { name: 'noise', predictor: predictorOf(uniform, noise) },
        { name: 'clusters', predictor: predictorOf(uniform, clustered) },
      ],
      sndScore(target),
    );
    assert.equal(selection.best.name, 'clusters');
    assert.equal(selection.better, 'higher');
  });

  it('by DEV prefers the predictor whose source validation loss carries to the target', async () => {
    const score = devScore(
      { source: sourceWindows(80, 3), validation: sourceWindows(80, 4), target },
      TASK,
    );
    const selection = await selectBy(
      [
        { name: 'uniform', predictor: predictorOf(uniform, signalEmbedding) },
        { name: 'reader', predictor: predictorOf(reading(5), signalEmbedding) },
      ],
      score,
    );
    assert.equal(selection.best.name, 'reader');
    assert.equal(selection.better, 'lower');
    // The uniform predictor loses ln 3 on every window, whatever the weights.
    assert.ok(Math.abs(selection.values[0]!.value - Math.log(3)) < 1e-6);
  });

  it('refuses to pick when no candidate has a finite score', async () => {
    const broken: LabelFreeScore = {
      name: 'broken',
      better: 'lower',
      score: () => Promise.resolve(Number.NaN),
    };
    const candidate = { name: 'a', predictor: predictorOf(uniform, signalEmbedding) };
    await assert.rejects(selectBy([candidate], broken), (e) => isAdaptdError(e, 'TRAINING_FAILED'));
  });
});
