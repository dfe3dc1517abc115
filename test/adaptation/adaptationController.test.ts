import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import {
  AdaptationController,
  type AdaptationEvent,
} from '../../src/adaptation/adaptationController.js';
import type { AdaptationSettings } from '../../src/adaptation/adaptationSettings.js';
import { writeArrayFolder } from '../../src/adaptation/arrayFolder.js';
import {
  readAdapterWeights,
  sameWeights,
  type AdapterWeights,
} from '../../src/adaptation/adapterWeights.js';
import type { Trainer } from '../../src/adaptation/childTrainer.js';
import type { ShadowEvidence } from '../../src/adaptation/promotionGate.js';
import type { TrainingResult } from '../../src/adaptation/trainingProtocol.js';
import { loadConfig } from '../../src/config/loadConfig.js';
import { AdaptdError, isAdaptdError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { DaemonMetrics } from '../../src/metrics/daemonMetrics.js';
import { loadModelBundle } from '../../src/model/modelBundle.js';
import type { SensorModel } from '../../src/model/sensorModel.js';
import { withDeadline } from '../support/deadline.js';
import { adaptationBundle, shifted, shiftedSnapshot } from './adaptationFixture.js';

const SPREAD = { effectiveClasses: 2.8, largestShare: 0.4, meanEntropy: 0.7, rows: 100 };
const BETTER: ShadowEvidence = {
  target: { champion: 0.5, challenger: 0.8, count: 48 },
  targetLabels: { effectiveClasses: 2.9, largestShare: 0.4 },
  source: { champion: 0.7, challenger: 0.7, count: 48 },
  collapse: { champion: SPREAD, challenger: SPREAD },
};
const WORSE: ShadowEvidence = {
  ...BETTER,
  target: { champion: 0.8, challenger: 0.5, count: 48 },
};

/** The training process boundary faked: writes the given weights and answers the evidence. */
class FakeTrainer implements Trainer {
  readonly jobs: Array<{ championDir: string | null; outDir: string }> = [];
  /** The source model's adapter values, set once the bed has loaded the model. */
  source: AdapterWeights = {};
  release: (() => void) | undefined;

  constructor(
    private readonly next: (source: AdapterWeights) => {
      weights: AdapterWeights;
      evidence: ShadowEvidence;
    },
    private readonly hold = false,
  ) {}

  async run(job: Parameters<Trainer['run']>[0]): Promise<TrainingResult> {
    this.jobs.push({ championDir: job.championDir, outDir: job.outDir });
    if (this.hold) await new Promise<void>((resolve) => (this.release = resolve));
    const { weights, evidence } = this.next(this.source);
    await writeArrayFolder(job.outDir, weights);
    return {
      counts: {
        support: 10,
        heldBack: 48,
        target: 80,
        source: 48,
        sourceCheck: 48,
        holdout: 'artifact',
      },
      evidence,
      trainMs: 5,
      scoreMs: 1,
    };
  }

  cancel(): void {}
}

interface Bed {
  controller: AdaptationController;
  model: SensorModel;
  source: AdapterWeights;
  events: AdaptationEvent[];
  metrics: DaemonMetrics;
  registry: Registry;
  settings: AdaptationSettings;
}

async function bed(
  t: TestContext,
  trainer: Trainer,
  overrides: Partial<AdaptationSettings> = {},
  stateDir?: string,
): Promise<Bed> {
  const bundle = await adaptationBundle();
  t.after(() => bundle.cleanup());
  const state = stateDir ?? (await mkdtemp(join(tmpdir(), 'adaptd-state-')));
  const { model } = await loadModelBundle(bundle.modelDir);
  t.after(() => model.dispose());
  const config = loadConfig({ configDir: '/nonexistent', env: {} }).config;
  const settings: AdaptationSettings = {
    ...config.adaptation,
    intervalMs: 0,
    minTargetWindows: 16,
    probationWindows: 0,
    modelDir: bundle.modelDir,
    backend: 'cpu',
    dataDir: '',
    stateDir: state,
    ...overrides,
  };
  const registry = new Registry();
  const metrics = new DaemonMetrics(registry, {
    version: 'test',
    modelVersion: 'tiny',
    backend: 'cpu',
    heads: model.config.heads,
    defaultMetrics: false,
  });
  const events: AdaptationEvent[] = [];
  const snapshot = shiftedSnapshot(40, 20, 3);
  const controller = new AdaptationController(settings, {
    model,
    targets: { snapshot: () => snapshot },
    metrics,
    publish: (event) => events.push(event),
    logger: silentLogger,
    trainer,
  });
  await controller.start();
  // Stopped before its folder goes: a stop waits for the state writes still going.
  t.after(async () => {
    await controller.stop();
    if (stateDir === undefined) await rm(state, { recursive: true, force: true });
  });
  return {
    controller,
    model,
    source: readAdapterWeights(model),
    events,
    metrics,
    registry,
    settings,
  };
}

const request = { requestId: 'r1', trigger: 'command' as const };

describe('AdaptationController', () => {
  it('rejects a worse challenger and the champion keeps serving', async (t) => {
    const trainer = new FakeTrainer((source) => ({
      weights: shifted(source, 0.5),
      evidence: WORSE,
    }));
    const b = await bed(t, trainer);
    trainer.source = b.source;
    const outcome = await b.controller.readapt(request);
    assert.equal(outcome.result, 'rejected', `outcome ${JSON.stringify(outcome)}`);
    assert.match(outcome.reason ?? '', /below the margin/, 'the reason names the margin');
    assert.equal(b.controller.status().adapterVersion, null, 'the source still serves');
    assert.ok(sameWeights(readAdapterWeights(b.model), b.source), 'serving weights unchanged');
    const kinds = b.events.map((e) => e.kind);
    assert.deepEqual(
      kinds,
      ['adaptation.started', 'adaptation.scored', 'adaptation.rejected'],
      'events of each phase',
    );
    const exposition = await b.registry.metrics();
    assert.match(
      exposition,
      /adaptd_adaptation_runs_total\{trigger="command",result="rejected"\} 1/,
      'the run is counted by trigger and result',
    );
    assert.match(
      exposition,
      /adaptd_shadow_balanced_accuracy_ratio\{model="challenger",set="target"\} 0.5/,
      'shadow scores exported',
    );
  });

  it('reports a run whose training stopped on a non-finite loss as failed; the champion serves', async (t) => {
    const trainer = new FakeTrainer(() => {
      throw new AdaptdError('TRAINING_FAILED', 'alignment loss became NaN at step 3');
    });
    const b = await bed(t, trainer);
    const outcome = await b.controller.readapt(request);
    assert.equal(outcome.result, 'failed', `outcome ${JSON.stringify(outcome)}`);
    assert.match(outcome.reason ?? '', /loss became NaN at step 3/, 'the reason is the loss');
    assert.equal(b.controller.status().adapterVersion, null, 'the source still serves');
    assert.ok(sameWeights(readAdapterWeights(b.model), b.source), 'serving weights unchanged');
    const failed = b.events.find((e) => e.kind === 'adaptation.failed');
    assert.match(JSON.stringify(failed), /became NaN/, 'the failed event carries the reason');
    assert.match(
      await b.registry.metrics(),
      /adaptd_adaptation_runs_total\{trigger="command",result="failed"\} 1/,
      'the run is counted as failed',
    );
  });

  it('promotes better challengers as a1, a2; rollback restores each earlier adapter exactly', async (t) => {
    let round = 0;
    const trainer = new FakeTrainer((source) => {
      round += 1;
      return { weights: shifted(source, 0.25 * round), evidence: BETTER };
    });
    const b = await bed(t, trainer);
    trainer.source = b.source;
    const first = await b.controller.readapt(request);
    assert.equal(first.result, 'promoted', JSON.stringify(first));
    assert.equal(first.adapterVersion, 'a1', 'first version a1');
    const a1 = readAdapterWeights(b.model);
    assert.ok(sameWeights(a1, shifted(b.source, 0.25)), 'a1 serves');
    const second = await b.controller.readapt({ ...request, requestId: 'r2' });
    assert.equal(second.adapterVersion, 'a2', 'versions are monotonic');
    assert.equal(trainer.jobs[1]?.championDir?.endsWith('a1'), true, 'a2 trains from a1');
    assert.deepEqual(await b.controller.rollback(), { adapterVersion: 'a1' }, 'back to a1');
    assert.ok(sameWeights(readAdapterWeights(b.model), a1), 'a1 weights restored bit for bit');
    assert.deepEqual(await b.controller.rollback(), { adapterVersion: null }, 'back to source');
    assert.ok(sameWeights(readAdapterWeights(b.model), b.source), 'source weights restored');
    await assert.rejects(
      b.controller.rollback(),
      (error: unknown) => isAdaptdError(error, 'COMMAND_REJECTED'),
      'nothing left to roll back',
    );
    assert.deepEqual(await b.controller.promote('a2'), { adapterVersion: 'a2' }, 'promote a2');
    assert.ok(
      sameWeights(readAdapterWeights(b.model), shifted(b.source, 0.5)),
      'a stored version promoted by command serves',
    );
    const exposition = await b.registry.metrics();
    assert.match(exposition, /adaptd_promotions_total 3/, 'promotions counted');
    assert.match(exposition, /adaptd_rollbacks_total 2/, 'rollbacks counted');
    assert.match(exposition, /adaptd_adapter_info\{adapter_version="a2"\} 1/, 'info metric');
    const kinds = b.events.map((e) => e.kind);
    assert.equal(kinds.filter((k) => k === 'adaptation.rolled_back').length, 2, 'rollback events');
  });

  it('answers a second run as busy and refuses runs while frozen', async (t) => {
    const trainer = new FakeTrainer(
      (source) => ({ weights: shifted(source, 0.1), evidence: BETTER }),
      true,
    );
    const b = await bed(t, trainer);
    trainer.source = b.source;
    const first = b.controller.readapt(request);
    assert.equal(b.controller.status().adapting, true, 'status says adapting');
    await assert.rejects(
      b.controller.readapt({ ...request, requestId: 'r2' }),
      (error: unknown) => isAdaptdError(error, 'BUSY'),
      'one adaptation at a time',
    );
    while (trainer.release === undefined) await new Promise((r) => setTimeout(r, 5));
    trainer.release();
    assert.equal((await first).result, 'promoted', 'the first run ends normally');
    b.controller.freeze();
    await assert.rejects(
      b.controller.readapt({ ...request, requestId: 'r3' }),
      (error: unknown) => isAdaptdError(error, 'COMMAND_REJECTED') && /frozen/.test(error.message),
      'frozen: no run starts',
    );
    assert.equal(b.controller.status().adapterVersion, 'a1', 'serving unchanged while frozen');
  });

  it('rolls back automatically when live confidence drops during probation', async (t) => {
    const trainer = new FakeTrainer((source) => ({
      weights: shifted(source, 0.1),
      evidence: BETTER,
    }));
    const b = await bed(t, trainer, { probationWindows: 40, probationConfidenceDrop: 0.15 });
    trainer.source = b.source;
    const live = (classIndex: number, confidence: number) =>
      b.controller.observe({ operation: { classIndex, label: 'x', confidence, entropy: 0.5 } });
    for (let i = 0; i < 60; i += 1) live(i % 3, 0.9);
    assert.equal((await b.controller.readapt(request)).result, 'promoted', 'promoted first');
    for (let i = 0; i < 16; i += 1) live(i % 3, 0.5);
    // The rollback reads and writes state files: wait for it, not for a fixed time.
    await withDeadline(
      (async () => {
        while (!b.events.some((e) => e.kind === 'adaptation.rolled_back')) {
          await new Promise((r) => setTimeout(r, 10));
        }
      })(),
      10_000,
      'the automatic rollback',
    );
    assert.equal(b.controller.status().adapterVersion, null, 'rolled back to the source');
    assert.ok(sameWeights(readAdapterWeights(b.model), b.source), 'source weights serve again');
    const rolled = b.events.find((e) => e.kind === 'adaptation.rolled_back');
    assert.ok(rolled !== undefined, 'rollback event published');
    assert.equal(rolled.detail['automatic'], true, 'marked automatic');
    assert.match(String(rolled.detail['reason']), /mean confidence/, 'the guardrail is named');
  });

  it('resets to the source after too many label-free promotions', async (t) => {
    const labelFree: ShadowEvidence = { ...BETTER, target: undefined, targetLabels: undefined };
    const trainer = new FakeTrainer((source) => ({
      weights: shifted(source, 0.1),
      evidence: labelFree,
    }));
    const b = await bed(t, trainer, { labelFreeLimit: 2 });
    trainer.source = b.source;
    await b.controller.readapt(request);
    await b.controller.readapt(request);
    assert.equal(b.controller.status().adapterVersion, 'a2', 'two label-free promotions');
    const third = await b.controller.readapt(request);
    assert.equal(trainer.jobs[2]?.championDir, null, 'the third run starts from the source');
    assert.equal(third.adapterVersion, 'a3', 'and is promoted again');
    const reset = b.events.find((e) => e.kind === 'adaptation.reset');
    assert.match(String(reset?.detail['reason']), /label-free/, 'reset event says why');
  });

  it('sustained drift starts a run, and not again within the cooldown', async (t) => {
    const trainer = new FakeTrainer((source) => ({
      weights: shifted(source, 0.1),
      evidence: WORSE,
    }));
    const b = await bed(t, trainer, { driftCooldownMs: 60_000 });
    trainer.source = b.source;
    b.controller.onSustainedDrift({ cause: 'machine' });
    while (b.controller.status().adapting) await new Promise((r) => setTimeout(r, 5));
    b.controller.onSustainedDrift({ cause: 'machine' });
    assert.equal(b.controller.status().adapting, false, 'no second run within the cooldown');
    assert.equal(trainer.jobs.length, 1, 'one run for two drift signals');
    const exposition = await b.registry.metrics();
    assert.match(
      exposition,
      /adaptd_adaptation_runs_total\{trigger="drift",result="rejected"\} 1/,
      'the run counts under trigger drift',
    );
  });

  it('ignores sustained drift when the drift trigger is off', async (t) => {
    const trainer = new FakeTrainer((source) => ({
      weights: shifted(source, 0.1),
      evidence: WORSE,
    }));
    const b = await bed(t, trainer, { driftTrigger: false });
    b.controller.onSustainedDrift({ cause: 'machine' });
    assert.equal(b.controller.status().adapting, false, 'no run starts');
    assert.equal(trainer.jobs.length, 0, 'nothing trained');
  });

  it('restores the champion into a new serving model after a restart', async (t) => {
    const trainer = new FakeTrainer((source) => ({
      weights: shifted(source, 0.3),
      evidence: BETTER,
    }));
    const stateDir = await mkdtemp(join(tmpdir(), 'adaptd-state-'));
    t.after(() => rm(stateDir, { recursive: true, force: true }));
    const first = await bed(t, trainer, {}, stateDir);
    trainer.source = first.source;
    await first.controller.readapt(request);
    await first.controller.stop();
    const second = await bed(t, trainer, {}, stateDir);
    assert.equal(second.controller.status().adapterVersion, 'a1', 'champion restored');
    assert.ok(
      sameWeights(readAdapterWeights(second.model), shifted(first.source, 0.3)),
      'its weights serve',
    );
  });

  it('works under <state.dir>/work and removes what a killed run left there at start', async (t) => {
    const trainer = new FakeTrainer((source) => ({
      weights: shifted(source, 0.2),
      evidence: BETTER,
    }));
    const stateDir = await mkdtemp(join(tmpdir(), 'adaptd-state-'));
    t.after(() => rm(stateDir, { recursive: true, force: true }));
    // What a daemon killed during a run leaves: its snapshot and a half-written challenger.
    const killed = join(stateDir, 'work', 'run-4242-Ab12Cd');
    await mkdir(join(killed, 'snapshot'), { recursive: true });
    await mkdir(join(killed, 'challenger.staging-0a1b2c3d4e5f'));
    await writeFile(join(killed, 'snapshot', 'manifest.json'), '{"format":');
    const b = await bed(t, trainer, {}, stateDir);
    assert.equal((await readdir(stateDir)).includes('work'), false, 'the leftovers removed');
    trainer.source = b.source;
    assert.equal((await b.controller.readapt(request)).result, 'promoted', 'a run promotes');
    const outDir = trainer.jobs[0]!.outDir;
    assert.ok(
      outDir.startsWith(join(stateDir, 'work', `run-${process.pid}-`)),
      `the run worked under the state folder, named by its process: ${outDir}`,
    );
    assert.deepEqual(await readdir(join(stateDir, 'work')), [], 'a finished run leaves nothing');
  });
});
