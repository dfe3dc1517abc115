import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readArrayFolder } from '../../src/adaptation/arrayFolder.js';
import { runTrainingJob } from '../../src/adaptation/runTrainingJob.js';
import { writeTargetSnapshot } from '../../src/adaptation/snapshotFolder.js';
import type { TrainingJob } from '../../src/adaptation/trainingProtocol.js';
import { adaptationBundle, shiftedSnapshot } from './adaptationFixture.js';

describe('runTrainingJob', () => {
  it('trains adapters on labelled target windows and scores them against the champion', async (t) => {
    const bundle = await adaptationBundle();
    t.after(() => bundle.cleanup());
    const snapshotDir = join(bundle.root, 'snapshot');
    await writeTargetSnapshot(snapshotDir, shiftedSnapshot(112, 48, 9));
    const job: TrainingJob = {
      modelDir: bundle.modelDir,
      backend: 'cpu',
      championDir: null,
      snapshotDir,
      outDir: join(bundle.root, 'challenger'),
      strategy: 'mmd',
      head: 'operation',
      steps: 60,
      batchSize: 16,
      learningRate: 3e-3,
      seed: 1,
      dataDir: '',
      sourceHoldoutWindows: 512,
    };
    const result = await runTrainingJob(job);
    assert.equal(result.counts.holdout, 'artifact', 'the source holdout comes from the artifact');
    assert.equal(result.counts.heldBack, 48, 'the held-back windows are scored');
    assert.equal(result.counts.support, 112, 'the labelled adaptation windows are support');
    const target = result.evidence.target;
    assert.ok(target !== undefined, 'held-back windows were scored');
    assert.ok(
      target.challenger > target.champion,
      `challenger ${target.challenger} beats the untrained champion ${target.champion}`,
    );
    const { arrays } = await readArrayFolder(job.outDir);
    assert.ok(
      Object.keys(arrays).some((name) => name.startsWith('adapter.block0')),
      'the challenger folder holds adapter weights',
    );
  });
});
