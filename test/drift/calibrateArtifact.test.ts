import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { calibrateArtifact } from '../../src/drift/calibrateArtifact.js';
import { parseDriftDocument } from '../../src/drift/driftDocument.js';
import { DriftMonitor } from '../../src/drift/driftMonitor.js';
import { isAdaptdError } from '../../src/errors.js';
import { loadModelBundle } from '../../src/model/modelBundle.js';
import { driftFixture, FIXTURE_RUNS, type DriftFixture } from './driftFixture.js';

describe('calibrateArtifact', () => {
  let fixture: DriftFixture;
  before(async () => (fixture = await driftFixture()));
  after(() => fixture.cleanup());

  it('ships thresholds with a reference of its own runs and keeps the artifact valid', async () => {
    const before = await loadModelBundle(fixture.modelDir);
    before.model.dispose();
    const outcome = await calibrateArtifact({
      modelDir: fixture.modelDir,
      dataDir: fixture.dataDir,
      erts: [20, 10],
      window: 4,
      seed: 2,
      runs: FIXTURE_RUNS,
    });
    const { reference, calibration, replay } = outcome.roles;
    assert.deepEqual(
      [reference.length, calibration.length, replay.length],
      [3, 3, 3],
      'one run per operation and role',
    );
    assert.equal(new Set([...reference, ...calibration, ...replay]).size, 9, 'roles disjoint');
    const after = await loadModelBundle(fixture.modelDir);
    after.model.dispose();
    const doc = parseDriftDocument(after.documents['drift.json']);
    assert.deepEqual(doc.runs, reference, 'reference runs');
    // 120 rows in windows of 16 every 8 rows: 14 windows per run.
    assert.equal(doc.embeddings.length, 3 * 14, 'every window of the reference runs');
    assert.deepEqual(doc.thresholds?.calibrationRuns, calibration, 'calibration runs');
    assert.deepEqual(
      doc.thresholds?.replay?.map((c) => [c.rotation, c.ert, c.runs]),
      [
        [0, 20, replay],
        [0, 10, replay],
        [1, 20, reference],
        [1, 10, reference],
        [2, 20, calibration],
        [2, 10, calibration],
      ],
      'a replay check per level, shipped then with roles rotated: every run replayed once',
    );
    for (const check of doc.thresholds!.replay!) {
      // Each reset after an alarm leaves the next 3 windows without a statistic.
      assert.equal(check.steps, 3 * 14 - 3 - 3 * check.alarms, `ERT ${check.ert} steps`);
    }
    for (const name of ['schema.json', 'normaliser.json', 'window.json', 'labels.json']) {
      assert.deepEqual(after.documents[name], before.documents[name], `${name} unchanged`);
    }
    assert.equal(after.manifest?.version, before.manifest?.version, 'version kept');
    assert.equal(DriftMonitor.fromDocument(doc, { ert: 10 }).ert, 10, 'a monitor loads');
  });

  it('refuses too few held-out runs for three roles', async () => {
    await assert.rejects(
      calibrateArtifact({
        modelDir: fixture.modelDir,
        dataDir: fixture.dataDir,
        erts: [20],
        window: 4,
        seed: 2,
        runs: ['face_001', 'face_002'],
      }),
      (e) => isAdaptdError(e, 'CONFIG_INVALID') && /none for replay/.test(e.message),
    );
  });
});
