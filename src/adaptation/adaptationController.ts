import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type {
  AdaptationOutcome,
  AdaptationTrigger,
  ControlTarget,
} from '../control/controlTarget.js';
import { AdaptdError, isAdaptdError } from '../errors.js';
import type { Logger } from '../log.js';
import type { HeadResult } from '../pipeline/windowPredictor.js';
import type { AdaptationParts } from './adaptationParts.js';
import type { AdaptationSettings } from './adaptationSettings.js';
import { readAdapterFolder } from './adapterStore.js';
import { ChildTrainer, type Trainer } from './childTrainer.js';
import { LiveStats, Probation } from './liveGuard.js';
import { judgeChallenger } from './promotionGate.js';
import { ServingAdapters } from './servingAdapters.js';
import { writeTargetSnapshot } from './snapshotFolder.js';
import type { TrainingResult } from './trainingProtocol.js';

export type { AdaptationEvent, AdaptationMetrics, AdaptationParts } from './adaptationParts.js';

/**
 * The safe adaptation engine, and what commands drive (ControlTarget). One run at a time:
 * a snapshot of the target buffer goes to a training process, which trains a challenger
 * from the champion and scores both in shadow; the gate here decides, and a promoted
 * challenger becomes a new adapter version on disk and is written into the serving model
 * between two inference batches. A probation on live windows follows each promotion and
 * rolls back automatically when a guardrail trips. Versions are kept for rollback/promote;
 * the source model's adapter values stay in memory for reset.
 */
export class AdaptationController implements ControlTarget {
  private readonly serving: ServingAdapters;
  private readonly trainer: Trainer;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly headIndex: number;
  private readonly classCount: number;
  private readonly live: LiveStats;
  private running: Promise<AdaptationOutcome> | undefined;
  private probation: Probation | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastRunEnded = -Infinity;
  private stopped = false;

  constructor(
    private readonly settings: AdaptationSettings,
    private readonly parts: AdaptationParts,
  ) {
    this.trainer = parts.trainer ?? new ChildTrainer({ timeoutMs: settings.timeoutMs });
    this.log = parts.logger.child({ component: 'adaptation' });
    this.now = parts.now ?? Date.now;
    const heads = parts.model.config.heads;
    this.headIndex = heads.findIndex((h) => h.name === settings.head);
    if (this.headIndex < 0) {
      throw new AdaptdError(
        'CONFIG_INVALID',
        `adaptation.head is "${settings.head}"; the model's heads are ` +
          heads.map((h) => h.name).join(', '),
        { context: { head: settings.head } },
      );
    }
    this.classCount = heads[this.headIndex]!.classes.length;
    this.live = new LiveStats(this.classCount, Math.max(64, settings.probationWindows));
    // Made before any version is applied: it keeps the values the artifact shipped.
    this.serving = new ServingAdapters({
      model: parts.model,
      stateDir: settings.stateDir,
      keep: settings.keepAdapters,
      logger: this.log,
      ...(parts.onDamage === undefined ? {} : { onDamage: parts.onDamage }),
      onChange: (version) => {
        this.live.clear();
        parts.metrics.setAdapterVersion(version);
        parts.onServingChange?.(version);
      },
    });
  }

  private get state() {
    return this.serving.state;
  }

  /** Where runs write the window snapshot and the challenger: `<state.dir>/work`. */
  private get workRoot(): string {
    return join(this.settings.stateDir, 'work');
  }

  /**
   * Removes what runs of an earlier process left (a killed daemon's work folders), restores
   * the saved champion into the serving model and starts the schedule.
   */
  async start(): Promise<void> {
    const leftovers = await readdir(this.workRoot).catch(() => [] as string[]);
    if (leftovers.length > 0) {
      await rm(this.workRoot, { recursive: true, force: true });
      this.log.info({ leftovers }, 'work folders of interrupted adaptation runs removed');
    }
    await this.serving.restore();
    this.parts.metrics.setAdapterVersion(this.state.champion);
    if (this.settings.intervalMs > 0) {
      this.timer = setInterval(() => this.trigger('schedule'), this.settings.intervalMs);
      this.timer.unref();
    }
  }

  /**
   * Stops the schedule and any training process, then waits for the run to end and for the
   * state writes (a freeze does not wait for its own).
   */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.trainer.cancel('daemon stopping');
    await this.running?.catch(() => undefined);
    await this.serving.settled();
  }

  /**
   * Sustained drift: starts a run unless the drift trigger is off, or adaptation is frozen,
   * busy or within the cooldown of the last run.
   */
  onSustainedDrift(detail: Record<string, unknown> = {}): void {
    if (!this.settings.driftTrigger) return;
    if (this.now() - this.lastRunEnded < this.settings.driftCooldownMs) {
      this.log.info({ ...detail }, 'sustained drift within the adaptation cooldown; no run');
      return;
    }
    this.trigger('drift');
  }

  /** Each served prediction: live statistics for probation baselines and guardrails. */
  observe(results: Readonly<Record<string, HeadResult>>): void {
    const result = results[this.settings.head];
    if (result === undefined) return;
    this.live.add(result.classIndex, result.confidence);
    const step = this.probation?.observe(result.classIndex, result.confidence);
    if (step === undefined || step.state === 'watching') return;
    const version = this.state.champion;
    this.probation = undefined;
    if (step.state === 'passed') {
      this.publish('adaptation.probation_passed', { adapterVersion: version });
      return;
    }
    this.log.warn({ adapter: version, reason: step.reason }, 'probation tripped; rolling back');
    void this.rollBack(`probation: ${step.reason}`, true).catch((error: unknown) =>
      this.log.error({ err: error }, 'automatic rollback failed'),
    );
  }

  readapt(request: {
    requestId: string;
    trigger: AdaptationTrigger;
    strategy?: string;
  }): Promise<AdaptationOutcome> {
    if (this.stopped) return Promise.reject(refused('the daemon is stopping'));
    if (this.state.frozen) {
      return Promise.reject(refused('adaptation is frozen; unfreeze first'));
    }
    if (this.running !== undefined) {
      return Promise.reject(new AdaptdError('BUSY', 'an adaptation run is already in progress'));
    }
    const run = this.run(request).finally(() => {
      this.running = undefined;
      this.lastRunEnded = this.now();
    });
    this.running = run;
    return run;
  }

  async rollback(): Promise<{ adapterVersion: string | null }> {
    this.assertIdle();
    if (this.state.champion === null) {
      throw refused('the source model serves; there is nothing to roll back');
    }
    return this.rollBack('command', false);
  }

  async promote(version: string): Promise<{ adapterVersion: string }> {
    this.assertIdle();
    if (version === this.state.champion) return { adapterVersion: version };
    await this.serving.promoteStored(version);
    this.probation = undefined;
    this.publish('adaptation.promoted', { adapterVersion: version, manual: true });
    this.parts.metrics.promotions.inc();
    this.parts.metrics.lastPromotion.set(this.now() / 1000);
    return { adapterVersion: version };
  }

  freeze(): void {
    void this.serving.setFrozen(true);
  }

  unfreeze(): void {
    void this.serving.setFrozen(false);
  }

  async reset(): Promise<void> {
    this.assertIdle();
    await this.resetToSource('command');
  }

  async snapshot(): Promise<{ path: string }> {
    await this.serving.persist();
    return this.parts.snapshotState?.() ?? { path: this.serving.path };
  }

  status(): { adapterVersion: string | null; frozen: boolean; adapting: boolean } {
    return {
      adapterVersion: this.state.champion,
      frozen: this.state.frozen,
      adapting: this.running !== undefined,
    };
  }

  private trigger(trigger: AdaptationTrigger): void {
    const requestId = `${trigger}-${this.now()}`;
    this.readapt({ requestId, trigger }).catch((error: unknown) => {
      this.log.info({ trigger, reason: (error as Error).message }, 'adaptation not started');
    });
  }

  private async run(request: {
    requestId: string;
    trigger: AdaptationTrigger;
    strategy?: string;
  }): Promise<AdaptationOutcome> {
    const { trigger, requestId } = request;
    const strategy = request.strategy ?? this.settings.strategy;
    const { metrics } = this.parts;
    let outcome: AdaptationOutcome;
    let work: string | undefined;
    try {
      if (this.state.labelFreeStreak >= this.settings.labelFreeLimit) {
        await this.resetToSource(
          `${this.state.labelFreeStreak} label-free promotions without a labelled check`,
        );
      }
      this.publish(
        'adaptation.started',
        { trigger, strategy, champion: this.state.champion },
        requestId,
      );
      const started = this.now();
      const snapshot = this.parts.targets.snapshot();
      if (snapshot.adapt.count < this.settings.minTargetWindows) {
        throw new AdaptdError(
          'TRAINING_FAILED',
          `the target buffer holds ${snapshot.adapt.count} windows outside held-back blocks; ` +
            `adaptation.minTargetWindows is ${this.settings.minTargetWindows}`,
        );
      }
      // Under the state folder, named by this process: the next start removes what a crash left.
      await mkdir(this.workRoot, { recursive: true });
      work = await mkdtemp(join(this.workRoot, `run-${process.pid}-`));
      await writeTargetSnapshot(join(work, 'snapshot'), snapshot);
      metrics.adaptationDuration.observe({ phase: 'snapshot' }, (this.now() - started) / 1000);
      // A stop while the snapshot was written finds no training process to end.
      if (this.stopped) {
        throw new AdaptdError('TRAINING_FAILED', 'cancelled: daemon stopping', {
          context: { cancelled: true },
        });
      }
      const result = await this.trainer.run(
        {
          modelDir: this.settings.modelDir,
          backend: this.settings.backend,
          championDir: this.serving.championFolder(),
          snapshotDir: join(work, 'snapshot'),
          outDir: join(work, 'challenger'),
          strategy,
          head: this.settings.head,
          steps: this.settings.steps,
          batchSize: this.settings.batchSize,
          learningRate: this.settings.learningRate,
          seed: this.settings.seed,
          dataDir: this.settings.dataDir,
          sourceHoldoutWindows: this.settings.sourceHoldoutWindows,
        },
        {
          onTrained: (trainMs, counts) => {
            metrics.adaptationDuration.observe({ phase: 'train' }, trainMs / 1000);
            this.publish('adaptation.trained', { trainMs, ...counts }, requestId);
          },
        },
      );
      outcome = await this.decide(result, join(work, 'challenger'), trigger, strategy, requestId);
      metrics.adaptationDuration.observe({ phase: 'total' }, (this.now() - started) / 1000);
    } catch (error) {
      const cancelled = isAdaptdError(error) && error.context?.['cancelled'] === true;
      const reason = error instanceof Error ? error.message : String(error);
      outcome = {
        result: cancelled ? 'cancelled' : 'failed',
        adapterVersion: this.state.champion,
        reason,
      };
      this.log.warn({ trigger, reason }, `adaptation ${outcome.result}`);
      this.publish(`adaptation.${outcome.result}`, { trigger, reason }, requestId);
    } finally {
      if (work !== undefined) await rm(work, { recursive: true, force: true });
    }
    metrics.adaptationRuns.inc({ trigger, result: outcome.result });
    return outcome;
  }

  private async decide(
    result: TrainingResult,
    challengerDir: string,
    trigger: AdaptationTrigger,
    strategy: string,
    requestId: string,
  ): Promise<AdaptationOutcome> {
    const { metrics } = this.parts;
    const { evidence } = result;
    metrics.adaptationDuration.observe({ phase: 'score' }, result.scoreMs / 1000);
    const scores: Record<string, number> = {};
    for (const [set, paired] of [
      ['target', evidence.target],
      ['source', evidence.source],
    ] as const) {
      if (paired === undefined) continue;
      scores[`${set}Champion`] = paired.champion;
      scores[`${set}Challenger`] = paired.challenger;
      metrics.shadowScore.set({ model: 'champion', set }, paired.champion);
      metrics.shadowScore.set({ model: 'challenger', set }, paired.challenger);
    }
    scores['effectiveClasses'] = evidence.collapse.challenger.effectiveClasses;
    scores['largestShare'] = evidence.collapse.challenger.largestShare;
    scores['meanEntropy'] = evidence.collapse.challenger.meanEntropy;
    const verdict = judgeChallenger(evidence, this.settings);
    this.publish(
      'adaptation.scored',
      { ...scores, counts: result.counts, labelled: verdict.labelled },
      requestId,
    );
    if (!verdict.promote) {
      this.log.info({ reason: verdict.reason }, 'challenger rejected');
      this.publish('adaptation.rejected', { reason: verdict.reason, scores }, requestId);
      return {
        result: 'rejected',
        adapterVersion: this.state.champion,
        reason: verdict.reason,
        scores,
      };
    }
    const { weights } = await readAdapterFolder(challengerDir);
    const baseline = this.live.summary();
    const version = await this.serving.promoteNew(weights, {
      createdAt: new Date(this.now()).toISOString(),
      trigger,
      strategy,
      head: this.settings.head,
      labelled: verdict.labelled,
      scores,
    });
    metrics.promotions.inc();
    metrics.lastPromotion.set(this.now() / 1000);
    if (this.settings.probationWindows > 0) {
      this.probation = new Probation(this.classCount, baseline, {
        windows: this.settings.probationWindows,
        confidenceDrop: this.settings.probationConfidenceDrop,
        minEffectiveClasses: this.settings.minEffectiveClasses,
        maxClassShare: this.settings.maxClassShare,
      });
    }
    this.log.info({ adapter: version, reason: verdict.reason }, 'challenger promoted');
    this.publish(
      'adaptation.promoted',
      { adapterVersion: version, reason: verdict.reason, labelled: verdict.labelled, scores },
      requestId,
    );
    return { result: 'promoted', adapterVersion: version, reason: verdict.reason, scores };
  }

  private async rollBack(
    reason: string,
    automatic: boolean,
  ): Promise<{ adapterVersion: string | null }> {
    this.probation = undefined;
    const { from, to } = await this.serving.rollBack();
    this.parts.metrics.rollbacks.inc();
    this.publish('adaptation.rolled_back', { from, to, reason, automatic });
    return { adapterVersion: to };
  }

  private async resetToSource(reason: string): Promise<void> {
    this.probation = undefined;
    const from = await this.serving.resetToSource();
    this.publish('adaptation.reset', { from, reason });
  }

  private assertIdle(): void {
    if (this.running !== undefined) {
      throw new AdaptdError('BUSY', 'an adaptation run is in progress; try again when it ends');
    }
  }

  private publish(kind: string, detail: Record<string, unknown>, requestId?: string): void {
    this.parts.publish({ kind, detail, ...(requestId === undefined ? {} : { requestId }) });
  }
}

function refused(reason: string): AdaptdError {
  return new AdaptdError('COMMAND_REJECTED', reason, { context: { reason } });
}
