import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isAdaptdError } from '../../src/errors.js';
import type { LabelledWindows } from '../../src/model/training/windowBatch.js';
import { gcodeSelf } from '../../src/strategies/gcodeSelfSupervision.js';
import { accuracy, OPERATION, STEP_MOTION, transferSetup } from './transferFixture.js';

/** The same windows, but reading any label other than motion throws. */
function motionOnly(windows: LabelledWindows): LabelledWindows {
  const labels = new Proxy(windows.labels, {
    get(target, head: string) {
      if (head !== 'motion') throw new Error(`target label ${head} was read`);
      return target[head];
    },
  });
  return { ...windows, labels };
}

describe('gcode-self', () => {
  it('beats chance on per-row motion from line labels alone, without support', async () => {
    const { base, data, test } = transferSetup(true);
    const predictor = await gcodeSelf.adapt(
      base,
      STEP_MOTION,
      { source: data.source, target: motionOnly(data.target) },
      { seed: 1, steps: 60, batchSize: 16, learningRate: 0.01 },
    );
    const score = await accuracy(predictor, STEP_MOTION, test);
    assert.ok(score > 0.37, `accuracy ${score} (chance 0.25)`);
    predictor.dispose();
    base.dispose();
  });

  it('learns from the target line labels, not only the source', async () => {
    const { base, data, test } = transferSetup(true);
    // On this target the line stream names every motion one class higher than the source,
    // so a model that kept the source's mapping would score near 0.
    const shift = (w: LabelledWindows): LabelledWindows => ({
      ...w,
      labels: { motion: w.labels.motion!.map((m) => (m < 0 ? m : (m + 1) % 4)) },
    });
    const target = shift(data.target);
    const predictor = await gcodeSelf.adapt(
      base,
      STEP_MOTION,
      { source: data.source, target },
      { seed: 1, steps: 60, batchSize: 16, learningRate: 0.01 },
    );
    const score = await accuracy(predictor, STEP_MOTION, shift(test));
    assert.ok(score > 0.37, `accuracy under the target's naming ${score} (chance 0.25)`);
    predictor.dispose();
    base.dispose();
  });

  it('uses support windows only when they carry motion labels', async () => {
    const { base, data } = transferSetup(true);
    const support = { ...data.support!, labels: { operation: data.support!.labels.operation! } };
    const predictor = await gcodeSelf.adapt(
      base,
      STEP_MOTION,
      { ...data, support },
      {
        seed: 1,
        steps: 2,
      },
    );
    predictor.dispose();
    base.dispose();
  });

  it('trains for its own default steps when the caller gives none', async () => {
    const { base, data } = transferSetup(true);
    const seen: number[] = [];
    const predictor = await gcodeSelf.adapt(base, STEP_MOTION, data, {
      seed: 1,
      batchSize: 4,
      onProgress: (_done, total) => seen.push(total),
    });
    assert.equal(seen.at(-1), 600, 'gcode-self defaults to 600 steps');
    assert.equal(seen.length, 600);
    predictor.dispose();
    base.dispose();
  });

  it('refuses any task but motion', async () => {
    const { base, data } = transferSetup(true);
    await assert.rejects(gcodeSelf.adapt(base, OPERATION, data, { seed: 1 }), (e) =>
      isAdaptdError(e, 'CONFIG_INVALID'),
    );
    base.dispose();
  });
});
