import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { calibrateThresholds } from '../../src/drift/calibrateThresholds.js';
import { DriftMonitor, type DriftObservation } from '../../src/drift/driftMonitor.js';
import { isAdaptdError } from '../../src/errors.js';
import { syntheticRuns } from './syntheticStreams.js';

const dim = 4;
const window = 8;
const reference = syntheticRuns(6, 40, dim, 21).flat(2);
const thresholds = calibrateThresholds(
  {
    reference,
    dim,
    runs: syntheticRuns(10, 100, dim, 22).map((rows) => rows.flat()),
    runIds: [],
  },
  { erts: [100], window, seed: 3 },
);
const quiet = syntheticRuns(1, 60, dim, 23)[0]!;
const shifted = syntheticRuns(1, 60, dim, 24, { shift: 1.5 })[0]!;

function feed(monitor: DriftMonitor, rows: number[][], programId?: string): DriftObservation[] {
  return rows.map((row) => monitor.observe(row, programId === undefined ? {} : { programId }));
}

const alarms = (seen: DriftObservation[]) => seen.filter((o) => o.alarm);

describe('DriftMonitor', () => {
  it('has no statistic until the window fills and counts steps since reset', () => {
    const monitor = new DriftMonitor(reference, thresholds);
    const seen = feed(monitor, quiet.slice(0, window));
    assert.deepEqual(
      seen.map((o) => o.statistic === null),
      [...Array<boolean>(window - 1).fill(true), false],
      'statistic from the window-th step on',
    );
    assert.equal(seen.at(-1)!.stepsSinceReset, window, 'steps since reset');
    assert.equal(seen.at(-1)!.threshold, thresholds.levels[0]!.curve[0], 'first curve value');
    monitor.reset();
    const after = monitor.observe(quiet[0]!);
    assert.equal(after.stepsSinceReset, 1, 'reset restarts the count');
    assert.equal(after.statistic, null, 'reset empties the window');
  });

  it('reports drift that follows a program change as explained by it', () => {
    const monitor = new DriftMonitor(reference, thresholds);
    feed(monitor, quiet, 'P1');
    const later = alarms(feed(monitor, shifted, 'P2'));
    assert.ok(later.length > 0, 'the shift raises alarms');
    assert.ok(
      later.every((o) => o.explained === 'program'),
      `explanations ${later.map((o) => o.explained).join(', ')}`,
    );
    assert.deepEqual(monitor.detections, { machine: 0, program: 1, tool: 0 }, 'one episode');
  });

  it('reports the same drift as machine drift when the program stays', () => {
    const monitor = new DriftMonitor(reference, thresholds);
    feed(monitor, quiet, 'P1');
    const later = alarms(feed(monitor, shifted, 'P1'));
    assert.ok(later.length > 0, 'the shift raises alarms');
    assert.ok(
      later.every((o) => o.explained === undefined),
      `explanations ${later.map((o) => o.explained).join(', ')}`,
    );
    assert.equal(monitor.detections.machine, 1, 'one machine episode');
  });

  it('does not put drift down to a program change long before it', () => {
    const monitor = new DriftMonitor(reference, thresholds, { explainSteps: 10 });
    feed(monitor, quiet.slice(0, 30), 'P1');
    feed(monitor, quiet.slice(30), 'P2');
    const later = alarms(feed(monitor, shifted, 'P2'));
    assert.ok(later.length > 0, 'the shift raises alarms');
    assert.equal(later[0]!.explained, undefined, 'machine drift');
  });

  it('treats a tool change as a planned change too', () => {
    const monitor = new DriftMonitor(reference, thresholds);
    quiet.forEach((row) => monitor.observe(row, { tool: 'T1' }));
    const later = alarms(shifted.map((row) => monitor.observe(row, { tool: 'T2' })));
    assert.equal(later[0]?.explained, 'tool', 'explained by the tool change');
  });

  it('continues exactly where it stopped after a state round trip', () => {
    const original = new DriftMonitor(reference, thresholds);
    feed(original, quiet, 'P1');
    feed(original, shifted.slice(0, 5), 'P2');
    const saved: unknown = JSON.parse(JSON.stringify(original.toJSON()));
    const restored = new DriftMonitor(reference, thresholds);
    restored.restore(saved);
    const rest = shifted.slice(5);
    const a = feed(original, rest, 'P2');
    const b = feed(restored, rest, 'P2');
    assert.ok(alarms(a).length > 0, 'the compared stretch holds alarms');
    a.forEach(({ statistic: expected, ...fields }, t) => {
      const { statistic, ...restoredFields } = b[t]!;
      assert.deepEqual(restoredFields, fields, `step ${t}`);
      assert.ok(
        Math.abs(statistic! - expected!) <= 1e-12 * Math.abs(expected!),
        `statistic at step ${t}: ${statistic} against ${expected}`,
      );
    });
    assert.deepEqual(restored.detections, original.detections, 'detections');
    assert.deepEqual(restored.toJSON(), original.toJSON(), 'state');
  });

  it('refuses state saved for another calibration or that does not parse', () => {
    const monitor = new DriftMonitor(reference, thresholds);
    const state = monitor.toJSON();
    assert.throws(
      () => monitor.restore({ ...state, threshold: state.threshold + 1 }),
      (e) => isAdaptdError(e, 'STATE_CORRUPT') && /threshold/.test(e.message),
    );
    assert.throws(
      () => monitor.restore({ ...state, steps: -1 }),
      (e) => isAdaptdError(e, 'STATE_CORRUPT') && /steps/.test(e.message),
    );
  });

  it('refuses an ERT it was not calibrated for and a reference without thresholds', () => {
    assert.throws(
      () => new DriftMonitor(reference, thresholds, { ert: 5000 }),
      (e) => isAdaptdError(e, 'CONFIG_INVALID') && /100, not 5000/.test(e.message),
    );
    const doc = { units: dim, runs: [], runOf: [], embeddings: [], thresholds: null };
    assert.throws(
      () => DriftMonitor.fromDocument(doc),
      (e) => isAdaptdError(e, 'MODEL_INVALID'),
    );
  });
});
