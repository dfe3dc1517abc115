import { EMPTY, Subject, type Observable, type Subscription } from 'rxjs';
import type { LabelSpan } from '../control/labelSink.js';
import { z } from 'zod';
import type { DomainScore } from '../drift/domainClassifier.js';
import { DomainScorer } from '../drift/domainScorer.js';
import type { DriftDocument } from '../drift/driftDocument.js';
import { DriftTracker, type DriftEvent } from '../drift/driftTracker.js';
import { AdaptdError } from '../errors.js';
import type { Logger } from '../log.js';
import type { DaemonMetrics, LearningProbe } from '../metrics/daemonMetrics.js';
import type { HeadConfig } from '../model/modelConfig.js';
import type { Prediction } from '../pipeline/inferenceWorker.js';
import { SERVED_HEADS } from '../pipeline/windowPredictor.js';
import { allFinite } from '../util/allFinite.js';
import type { InputOrigin, Reject } from '../transports/inputSource.js';
import type { LabelMessage } from '../transports/messages/labelMessage.js';
import type { GcodeMessage } from '../transports/messages/gcodeMessage.js';
import type { OutputPayloads } from '../transports/messages/payloadSchemas.js';
import type { OutputStream } from '../transports/messages/streams.js';
import type { OutputSink } from '../transports/outputSink.js';
import { GcodeLabeller } from './gcodeLabeller.js';
import type { HoldoutPolicy } from './holdout.js';
import { OperatorLabels, type LabelRange } from './operatorLabels.js';
import { PrototypeBank } from './prototypeBank.js';
import { TargetBuffer, type BufferShape, type TargetSnapshot } from './targetBuffer.js';
import { RecentEmbeddings } from './recentEmbeddings.js';

export interface LearningSettings {
  heads: readonly HeadConfig[];
  shape: BufferShape;
  /** The artifact's drift.json; without calibrated thresholds drift is not monitored. */
  drift: DriftDocument | undefined;
  ert: number;
  sustainWindows: number;
  /** Windows between domain scores (0: never), recent windows scored, null permutations. */
  domain: { intervalWindows: number; windows: number; permutations: number };
  bufferWindows: number;
  holdout: HoldoutPolicy;
  maxLabelRanges: number;
  fromGcode: boolean;
}

export interface LearningParts {
  output: OutputSink;
  metrics: DaemonMetrics;
  logger: Logger;
  now?: () => number;
}

/**
 * Learning on the target while the daemon serves (issue 6): every scored window goes into the
 * drift tracker (in its G-code context) and the bounded target buffer with its embedding and
 * labels; operator labels and the G-code stream's motion labels attach to buffered windows
 * and feed the few-shot prototypes. One drift message is published per scored batch (at most
 * `inference.batchSize` windows, so its rate follows the window rate, not the message rate)
 * once the statistic is defined; events mark alarm start, sustained and end. A domain score
 * runs every `domain.intervalWindows` windows in a worker thread.
 *
 * The adaptation engine follows `drift$` (sustained drift is its trigger), takes
 * `snapshot()` and calls `resetDrift()` after a promotion; the state store persists
 * `toJSON()` and hands it back to `restore()`.
 */
export class LearningLoop {
  readonly buffer: TargetBuffer;
  readonly prototypes: PrototypeBank;
  readonly labeller: GcodeLabeller;
  readonly operatorLabels: OperatorLabels;
  readonly drift: DriftTracker | undefined;
  /** Label messages refused (unknown head or class): counted and dead-lettered like rejects. */
  readonly rejects$ = new Subject<Reject>();
  private readonly log: Logger;
  private warnedNonFinite = false;
  private readonly now: () => number;
  private readonly recent: RecentEmbeddings;
  private readonly scorer: DomainScorer;
  private readonly subscription: Subscription | undefined;
  private sinceDomain = 0;
  private domain: DomainScore | undefined;
  private readonly stepHeads: ReadonlySet<string>;
  private readonly heads: ReadonlySet<string>;

  constructor(
    private readonly settings: LearningSettings,
    private readonly parts: LearningParts,
  ) {
    this.log = parts.logger.child({ component: 'learning' });
    this.now = parts.now ?? Date.now;
    this.stepHeads = new Set(settings.heads.filter((h) => h.reads === 'step').map((h) => h.name));
    this.heads = new Set(settings.heads.map((h) => h.name));
    const calibrated = settings.drift?.thresholds != null ? settings.drift : undefined;
    if (calibrated === undefined) {
      this.log.warn(
        'the model artifact has no calibrated drift thresholds; drift is not monitored ' +
          '(run `adaptd drift calibrate` on it)',
      );
    }
    this.drift =
      calibrated === undefined
        ? undefined
        : new DriftTracker(calibrated, {
            ert: settings.ert,
            sustainWindows: settings.sustainWindows,
          });
    this.buffer = new TargetBuffer({
      heads: settings.heads,
      shape: settings.shape,
      capacity: settings.bufferWindows,
      holdout: settings.holdout,
      now: this.now,
    });
    // Prototypes for the heads operators see; the G-code token heads label training only.
    const served = settings.heads.filter((h) => SERVED_HEADS.includes(h.name));
    this.prototypes = new PrototypeBank(served, settings.shape.units, this.drift?.scale);
    this.labeller = new GcodeLabeller();
    this.operatorLabels = new OperatorLabels(settings.heads, settings.maxLabelRanges);
    this.recent = new RecentEmbeddings(settings.domain.windows, settings.shape.units);
    this.scorer = new DomainScorer({ permutations: settings.domain.permutations });
    this.subscription = this.drift?.events$.subscribe((event) => this.onDriftEvent(event));
    const threshold = this.drift?.status().threshold ?? 0;
    parts.metrics.driftThreshold.set(threshold);
    parts.metrics.setProbes({ learning: () => this.probe() });
  }

  /** Drift episodes for the adaptation engine; empty when drift is not monitored. */
  get drift$(): Observable<DriftEvent> {
    return this.drift?.events$ ?? EMPTY;
  }

  onGcode(message: GcodeMessage): void {
    this.labeller.observe(message);
  }

  /** Checks an operator label and labels the buffered windows it covers; refusals go to rejects$. */
  onLabel(message: LabelMessage, origin: InputOrigin): void {
    const check = this.operatorLabels.accept(message);
    if (!check.ok) {
      this.rejects$.next({
        reason: 'label',
        detail: check.detail,
        stream: 'labels',
        origin,
        receivedAt: this.now(),
        raw: Buffer.from(JSON.stringify(message), 'utf8'),
        settle: () => Promise.resolve(),
      });
      return;
    }
    const labelled = this.applyRange(check.range);
    this.log.info(
      { head: message.head, label: message.label, windows: labelled },
      'operator label taken',
    );
  }

  /**
   * The `label` command's path (LabelSink): the checks of the labels stream; a refusal rejects
   * with COMMAND_REJECTED, so the command's reply carries the reason.
   */
  label(span: LabelSpan): Promise<{ windows: number }> {
    const check = this.operatorLabels.accept(span);
    if (!check.ok) {
      return Promise.reject(
        new AdaptdError('COMMAND_REJECTED', check.detail, { context: { reason: 'invalid' } }),
      );
    }
    const windows = this.applyRange(check.range);
    this.log.info({ head: span.head, label: span.label, windows }, 'operator label taken');
    return Promise.resolve({ windows });
  }

  /** One scored batch: drift, labels, buffer, prototypes, then one drift message. */
  onScored(predictions: readonly Prediction[]): void {
    try {
      for (const p of predictions) this.take(p);
    } catch (error) {
      this.log.error({ err: error }, 'learning loop failed on a scored batch');
      return;
    }
    const status = this.drift?.status();
    if (status === undefined) return;
    if (status.statistic !== null) this.parts.metrics.driftStatistic.set(status.statistic);
    this.parts.metrics.driftThreshold.set(status.threshold);
    if (status.statistic !== null) {
      this.publish('drift', {
        ts: this.now(),
        windows: status.window,
        mmd: status.statistic,
        threshold: status.threshold,
        alarm: status.alarm,
        ...(this.domain === undefined
          ? {}
          : { domainAuc: this.domain.auroc, proxyADistance: this.domain.proxyADistance }),
        ...(status.cause === undefined ? {} : { cause: status.cause }),
        stepsSinceReset: status.stepsSinceReset,
        ert: status.ert,
      });
    }
    this.sinceDomain += predictions.length;
    const { intervalWindows } = this.settings.domain;
    if (intervalWindows > 0 && this.sinceDomain >= intervalWindows && !this.scorer.busy) {
      this.sinceDomain = 0;
      void this.scoreDomain();
    }
  }

  /** A frozen copy of the target buffer for an adaptation run. */
  snapshot(): TargetSnapshot {
    return this.buffer.snapshot();
  }

  /** Empties the drift window (on the same or a new reference), e.g. after a promotion. */
  resetDrift(reference?: DriftDocument): void {
    this.drift?.reset(reference);
  }

  toJSON(): LearningState {
    return {
      format: 'adaptd-learning/1',
      ...(this.drift === undefined ? {} : { drift: this.drift.toJSON() }),
      prototypes: this.prototypes.toJSON(),
      buffer: this.buffer.toJSON(),
      labels: this.operatorLabels.toJSON(),
    };
  }

  /** Restores what toJSON saved; STATE_CORRUPT names the part that does not fit. */
  restore(value: unknown): void {
    const parsed = learningStateSchema.safeParse(value);
    if (!parsed.success) {
      throw new AdaptdError(
        'STATE_CORRUPT',
        `learning state does not parse: ${parsed.error.message}`,
      );
    }
    const state = parsed.data;
    if (state.drift !== undefined) this.drift?.restore(state.drift);
    this.prototypes.restore(state.prototypes);
    this.buffer.restore(state.buffer);
    this.operatorLabels.restore(state.labels as LabelRange[]);
  }

  async stop(): Promise<void> {
    this.subscription?.unsubscribe();
    await this.scorer.stop();
    this.rejects$.complete();
  }

  private take(p: Prediction): void {
    const { window, embedding } = p;
    // Input validation admits finite numbers only, but a model or adapter gone bad can still
    // answer NaN: such a window must reach neither the drift statistic nor anything trained.
    if (!allFinite(embedding) || !allFinite(window.x)) {
      this.parts.metrics.nonFiniteWindows.inc();
      if (!this.warnedNonFinite) {
        this.warnedNonFinite = true;
        this.log.warn({ window: window.id }, 'non-finite window kept out of drift and learning');
      }
      return;
    }
    this.drift?.observe(embedding, this.labeller.contextOf(window));
    this.recent.push(embedding);
    const labels: Record<string, Int32Array | number> = {};
    if (this.settings.fromGcode && this.stepHeads.has('motion')) {
      const steps = this.labeller.motionSteps(window);
      if (steps.some((value) => value >= 0)) {
        labels.motion = steps;
        this.parts.metrics.labels.inc({ source: 'gcode' });
      }
    }
    const targets = this.settings.fromGcode ? this.labeller.lineTargets(window) : undefined;
    if (targets !== undefined) {
      for (const [head, value] of Object.entries(targets) as Array<[string, number]>) {
        if (value >= 0 && this.heads.has(head)) labels[head] = value;
      }
    }
    for (const range of this.operatorLabels.covering(window.from, window.to)) {
      labels[range.head] = range.classIndex;
      this.parts.metrics.labels.inc({ source: 'operator' });
    }
    this.buffer.add(window, embedding, labels);
    for (const [head, value] of Object.entries(labels)) {
      this.prototypes.add(head, lastOf(value), embedding);
    }
  }

  private applyRange(range: LabelRange): number {
    const fresh = this.buffer.label(range);
    for (const w of fresh) {
      this.prototypes.add(range.head, range.classIndex, w.embedding);
      this.parts.metrics.labels.inc({ source: 'operator' });
    }
    return fresh.length;
  }

  private async scoreDomain(): Promise<void> {
    const drift = this.drift;
    const recent = this.recent.rows();
    if (drift === undefined || recent.length / drift.units < 10) return;
    try {
      const score = await this.scorer.score(drift.reference(), recent, drift.units);
      this.domain = score;
      const { metrics } = this.parts;
      metrics.driftDomainScore.set({ score: 'auroc' }, score.auroc);
      metrics.driftDomainScore.set({ score: 'null_auroc' }, score.nullAuroc);
      metrics.driftDomainScore.set({ score: 'proxy_a_distance' }, score.proxyADistance);
      metrics.driftDomainLastRun.set(this.now() / 1000);
      this.log.debug({ auroc: score.auroc, pad: score.proxyADistance }, 'domain score');
    } catch (error) {
      this.log.warn({ err: error }, 'domain score failed');
    }
  }

  private onDriftEvent(event: DriftEvent): void {
    const { metrics } = this.parts;
    if (event.kind === 'alarm') metrics.driftDetections.inc({ cause: event.cause });
    if (event.kind === 'alarm' || event.kind === 'sustained') {
      const level = event.cause === 'machine' ? 'warn' : 'info';
      this.log[level]({ ...event }, `drift ${event.kind}`);
    } else {
      this.log.info({ ...event }, `drift ${event.kind}`);
    }
    const { kind, ...detail } = event;
    this.publish('events', { ts: this.now(), kind: `drift.${kind}`, detail });
  }

  private publish<S extends OutputStream>(stream: S, payload: OutputPayloads[S]): void {
    this.parts.output.publish(stream, payload).catch((error: unknown) => {
      this.log.warn({ err: error, stream }, 'learning output not published');
    });
  }

  private probe(): LearningProbe {
    const status = this.drift?.status();
    return {
      stepsSinceReset: status?.stepsSinceReset ?? 0,
      ...(status?.cause === undefined ? {} : { alarm: status.cause }),
      supports: this.prototypes.supports(),
      buffer: this.buffer.counts(),
    };
  }
}

/** The class a window-level view takes from a label: a step head's last row. */
function lastOf(value: Int32Array | number): number {
  return typeof value === 'number' ? value : (value[value.length - 1] ?? -1);
}

const learningStateSchema = z.object({
  format: z.literal('adaptd-learning/1'),
  drift: z.unknown().optional(),
  prototypes: z.unknown(),
  buffer: z.unknown(),
  labels: z.array(
    z.object({
      head: z.string(),
      classIndex: z.number().int(),
      from: z.number(),
      to: z.number(),
    }),
  ),
});

/** Everything the learning loop persists: drift, prototypes, target buffer, label ranges. */
export type LearningState = z.infer<typeof learningStateSchema>;
