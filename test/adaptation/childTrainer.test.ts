import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { childExecArgv, ChildTrainer } from '../../src/adaptation/childTrainer.js';
import { readArrayFolder } from '../../src/adaptation/arrayFolder.js';
import { writeTargetSnapshot } from '../../src/adaptation/snapshotFolder.js';
import type { TrainingJob } from '../../src/adaptation/trainingProtocol.js';
import { isAdaptdError } from '../../src/errors.js';
import { adaptationBundle, shiftedSnapshot } from './adaptationFixture.js';

async function jobFor(t: import('node:test').TestContext, steps: number): Promise<TrainingJob> {
  const bundle = await adaptationBundle();
  t.after(() => bundle.cleanup());
  const snapshotDir = join(bundle.root, 'snapshot');
  await writeTargetSnapshot(snapshotDir, shiftedSnapshot(84, 36, 9));
  return {
    modelDir: bundle.modelDir,
    backend: 'cpu',
    championDir: null,
    snapshotDir,
    outDir: join(bundle.root, 'challenger'),
    strategy: 'mmd',
    head: 'operation',
    steps,
    batchSize: 16,
    learningRate: 3e-3,
    seed: 1,
    dataDir: '',
    sourceHoldoutWindows: 512,
  };
}

describe('ChildTrainer', () => {
  it('keeps the loader flags and drops the test runner flags with their values', () => {
    assert.deepEqual(
      childExecArgv([
        '--import',
        'tsx',
        '--test',
        '--test-name-pattern',
        'mosquitto',
        '--test-reporter=tap',
        '--loader=ts-node/esm',
        '--inspect',
      ]),
      ['--import', 'tsx', '--loader=ts-node/esm'],
      'only the loader flags and their values pass to the child',
    );
  });

  it(
    'trains in a child process, reports progress and writes the challenger',
    { timeout: 120_000 },
    async (t) => {
      const job = await jobFor(t, 30);
      const progress: number[] = [];
      let trained = false;
      const result = await new ChildTrainer({ timeoutMs: 100_000 }).run(job, {
        onProgress: (done) => progress.push(done),
        onTrained: () => (trained = true),
      });
      assert.ok(progress.includes(30), `progress reached the last step: ${progress.at(-1)}`);
      assert.ok(trained, 'the child said when training ended');
      assert.equal(result.counts.holdout, 'artifact', 'the holdout came from the artifact');
      assert.ok(result.evidence.target !== undefined, 'held-back windows were scored');
      const { arrays } = await readArrayFolder(job.outDir);
      assert.ok(Object.keys(arrays).length > 0, 'challenger weights were written');
    },
  );

  it('kills a child that runs past its deadline', { timeout: 120_000 }, async (t) => {
    const job = await jobFor(t, 100_000);
    await assert.rejects(
      new ChildTrainer({ timeoutMs: 1_500 }).run(job, {}),
      (error: unknown) =>
        isAdaptdError(error, 'TRAINING_FAILED') && /adaptation\.timeoutMs/.test(error.message),
      'a run past its deadline fails naming the key',
    );
  });

  it('a cancelled run rejects as cancelled', { timeout: 120_000 }, async (t) => {
    const job = await jobFor(t, 100_000);
    const trainer = new ChildTrainer({ timeoutMs: 100_000 });
    const running = trainer.run(job, { onProgress: () => trainer.cancel('daemon stopping') });
    await assert.rejects(
      running,
      (error: unknown) =>
        isAdaptdError(error, 'TRAINING_FAILED') && /cancelled/.test(error.message),
      'cancel stops the child',
    );
  });
});
