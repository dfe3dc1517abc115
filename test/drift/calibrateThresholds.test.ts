import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { calibrateThresholds, thresholdLevel } from '../../src/drift/calibrateThresholds.js';
import { DriftMonitor } from '../../src/drift/driftMonitor.js';
import { replayRuns, type ReplayRun } from '../../src/drift/replayRuns.js';
import { syntheticRuns } from './syntheticStreams.js';

const dim = 4;
const window = 16;
const referenceRuns = syntheticRuns(6, 40, dim, 1);
const reference = referenceRuns.flat(2);
const calibrationRuns = syntheticRuns(10, 150, dim, 2);
const heldOut = syntheticRuns(16, 250, dim, 3);

const asReplay = (runs: number[][][], name: string): ReplayRun[] =>
  runs.map((rows, r) => ({ id: `${name}${r}`, embeddings: rows.flat() }));

function calibrate(runs: number[][][], erts: number[]) {
  return calibrateThresholds(
    {
      reference,
      dim,
      runs: runs.map((rows) => rows.flat()),
      runIds: runs.map((_, r) => `cal${r}`),
    },
    { erts, window, seed: 7 },
  );
}

describe('calibrateThresholds', () => {
  const thresholds = calibrate(calibrationRuns, [50, 1000]);

  it('ships a curve per level, the last value held, with the kernel and the runs used', () => {
    assert.equal(thresholds.streams, 20000, 'streams default to 20 x the largest ERT');
    assert.equal(thresholds.referenceSize, 240, 'reference size');
    assert.equal(thresholds.calibrationRuns.length, 10, 'calibration runs recorded');
    for (const level of thresholds.levels) {
      assert.equal(level.curve.length, 2 * window, `curve length at ERT ${level.ert}`);
      assert.equal(level.threshold, level.curve.at(-1), `last threshold at ERT ${level.ert}`);
    }
    const [low, high] = thresholds.levels;
    assert.ok(high!.threshold > low!.threshold, `ERT 1000 ${high!.threshold} above ERT 50`);
  });

  it('reaches about 1/ERT false alarms on a long held-out no-drift replay', () => {
    const monitor = new DriftMonitor(reference, thresholds, { ert: 50 });
    const outcome = replayRuns(monitor, asReplay(heldOut, 'held'), { resetOnAlarm: true });
    const expected = outcome.monitoredSteps / 50;
    assert.ok(
      outcome.alarms.length >= expected / 2 && outcome.alarms.length <= expected * 2,
      `${outcome.alarms.length} alarms in ${outcome.monitoredSteps} steps, about ${expected} due`,
    );
  });

  it('stays within the Poisson band of 1/ERT on the same replay at ERT 1000', () => {
    const monitor = new DriftMonitor(reference, thresholds, { ert: 1000 });
    const outcome = replayRuns(monitor, asReplay(heldOut, 'held'), { resetOnAlarm: true });
    // About 3.9 alarms are due in 3,910 steps; 10 or more has a chance under 0.5 % if the
    // calibration holds, and a single-window bootstrap gives dozens (below).
    assert.ok(
      outcome.monitoredSteps > 3000 && outcome.alarms.length < 10,
      `${outcome.alarms.length} alarms in ${outcome.monitoredSteps} steps at ERT 1000`,
    );
  });

  it('alarms within two windows of a mean shift', () => {
    const monitor = new DriftMonitor(reference, thresholds, { ert: 1000 });
    const shifted = syntheticRuns(2, 100, dim, 4, { shift: 1 });
    const outcome = replayRuns(monitor, [
      ...asReplay(heldOut.slice(0, 2), 'held'),
      ...asReplay(shifted, 'shifted'),
    ]);
    const first = outcome.alarms[0];
    assert.equal(first?.run, 'shifted0', `first alarm ${JSON.stringify(first)}`);
    assert.ok(first.runStep <= 2 * window, `alarm ${first.runStep} windows after the shift`);
  });

  it('would alarm far more often if single windows were bootstrapped', () => {
    const singles = calibrationRuns.flatMap((rows) => rows.map((row) => [row]));
    const naive = calibrate(singles, [50]);
    const monitor = new DriftMonitor(reference, naive);
    const outcome = replayRuns(monitor, asReplay(heldOut, 'held'), { resetOnAlarm: true });
    assert.ok(
      outcome.rate > 4 / 50,
      `single-window bootstrap rate ${outcome.rate}, calibrated for ${1 / 50}`,
    );
  });

  it('takes each step the quantile over streams that have not alarmed', () => {
    // 4 streams x 2 steps; at ERT 2 the median: step 0 keeps streams 0 and 1 (1, 2 <= 2).
    const statistics = Float64Array.from([1, 9, 2, 1, 3, 5, 4, 7]);
    const level = thresholdLevel(statistics, 4, 2, 2);
    assert.deepEqual(level.curve, [2, 1], 'curve');
    assert.equal(level.threshold, 1, 'last threshold');
    assert.equal(level.saturatedSteps, 0, 'a stream lay above the threshold at each step');
    // At ERT 4, step 1 keeps 3 streams (9, 1, 5), whose 3rd smallest is their maximum.
    const saturated = thresholdLevel(statistics, 4, 2, 4);
    assert.deepEqual(saturated.curve, [3, 9], 'curve at ERT 4');
    assert.equal(saturated.saturatedSteps, 1, 'no stream above the threshold at step 1');
  });

  it('refuses an ERT the streams cannot resolve', () => {
    assert.throws(
      () =>
        calibrateThresholds(
          { reference, dim, runs: [calibrationRuns[0]!.flat()], runIds: ['a'] },
          { erts: [500], window, seed: 1, streams: 100 },
        ),
      /no more than the 100 bootstrap streams/,
    );
  });
});
