import { Subject } from 'rxjs';
import { z } from 'zod';
import { AdaptdError } from '../errors.js';
import type { DriftDocument } from './driftDocument.js';
import {
  DriftMonitor,
  type DriftContext,
  type DriftMonitorOptions,
  type PlannedChange,
} from './driftMonitor.js';
import { driftMonitorStateSchema } from './driftMonitorState.js';

export type DriftCause = 'machine' | PlannedChange;

/** What the adaptation engine and the events topic follow. */
export type DriftEvent =
  /** An alarm episode started. */
  | { kind: 'alarm'; cause: DriftCause; step: number; statistic: number; threshold: number }
  /** The episode has alarmed for `sustainWindows` steps: the trigger for adaptation. */
  | { kind: 'sustained'; cause: DriftCause; step: number; alarmSteps: number }
  /** The episode ended after a full window below the threshold. */
  | { kind: 'cleared'; cause: DriftCause; step: number; alarmSteps: number }
  /** The monitor was emptied, on the source reference or a new one. */
  | { kind: 'reset'; reference: 'same' | 'new' };

/** Where drift stands after the latest window. */
export interface DriftStatus {
  /** Online MMD^2; null until the window has filled since the last reset. */
  statistic: number | null;
  threshold: number;
  alarm: boolean;
  /** Cause of the episode under way. */
  cause?: DriftCause;
  stepsSinceReset: number;
  ert: number;
  /** Embeddings the statistic compares with the reference. */
  window: number;
}

export interface DriftTrackerOptions extends DriftMonitorOptions {
  /** Alarm steps within one episode after which it is reported as sustained. */
  sustainWindows: number;
}

/**
 * The daemon's view of drift over a DriftMonitor: observes each scored window's embedding in
 * its G-code context and turns the monitor's episodes into events (alarm, sustained,
 * cleared, reset) on `events$`, which the events topic and the adaptation engine follow.
 * A "sustained" event comes once per episode, whatever its cause: a new program explains the
 * drift but the model still serves it badly, so whether to adapt is the engine's call.
 */
export class DriftTracker {
  readonly events$ = new Subject<DriftEvent>();
  private monitor: DriftMonitor;
  private document: DriftDocument;
  private episode: { cause: DriftCause; alarmSteps: number; sustained: boolean } | undefined;
  private last: DriftStatus;

  constructor(
    document: DriftDocument,
    private readonly options: DriftTrackerOptions,
  ) {
    this.document = document;
    this.monitor = DriftMonitor.fromDocument(document, options);
    this.last = this.idleStatus();
  }

  /** Source reference embeddings [n, units] row-major, for the domain classifier. */
  reference(): Float32Array {
    return Float32Array.from(this.document.embeddings.flat());
  }

  get units(): number {
    return this.document.units;
  }

  /** The kernel's standardisation of embeddings (fixed by the calibration). */
  get scale(): { mean: number[]; std: number[] } {
    const { mean, std } = this.document.thresholds!.kernel;
    return { mean, std };
  }

  status(): DriftStatus {
    return this.last;
  }

  /** Takes one window's embedding [units] in its context and returns the status after it. */
  observe(embedding: ArrayLike<number>, context: DriftContext = {}): DriftStatus {
    const seen = this.monitor.observe(embedding, context);
    const active = this.monitor.activeEpisode;
    const step = seen.stepsSinceReset;
    if (this.episode === undefined && active !== undefined) {
      this.episode = { cause: active.cause, alarmSteps: 0, sustained: false };
      this.events$.next({
        kind: 'alarm',
        cause: active.cause,
        step,
        statistic: seen.statistic ?? 0,
        threshold: seen.threshold,
      });
    } else if (this.episode !== undefined && active === undefined) {
      const { cause, alarmSteps } = this.episode;
      this.episode = undefined;
      this.events$.next({ kind: 'cleared', cause, step, alarmSteps });
    }
    if (this.episode !== undefined && seen.alarm) {
      this.episode.alarmSteps += 1;
      if (!this.episode.sustained && this.episode.alarmSteps >= this.options.sustainWindows) {
        this.episode.sustained = true;
        const { cause, alarmSteps } = this.episode;
        this.events$.next({ kind: 'sustained', cause, step, alarmSteps });
      }
    }
    this.last = {
      statistic: seen.statistic,
      threshold: seen.threshold,
      alarm: seen.alarm,
      ...(this.episode === undefined ? {} : { cause: this.episode.cause }),
      stepsSinceReset: step,
      ert: this.monitor.ert,
      window: this.document.thresholds!.window,
    };
    return this.last;
  }

  /**
   * Empties the window and ends any episode. With a document, the monitor is rebuilt on its
   * reference (embeddings of the adapter just promoted) and thresholds: the source
   * thresholds do not hold for another model's embeddings, so after a promotion pass a
   * document recalibrated for the new model where one exists.
   */
  reset(reference?: DriftDocument): void {
    if (reference !== undefined) {
      const rebuilt = DriftMonitor.fromDocument(reference, this.options);
      if (reference.units !== this.document.units) {
        throw new AdaptdError(
          'INTERNAL',
          `a drift reference of ${reference.units} units cannot replace one of ` +
            `${this.document.units}`,
        );
      }
      this.monitor = rebuilt;
      this.document = reference;
    } else {
      this.monitor.reset();
    }
    this.episode = undefined;
    this.last = this.idleStatus();
    this.events$.next({ kind: 'reset', reference: reference === undefined ? 'same' : 'new' });
  }

  toJSON(): DriftTrackerState {
    return {
      format: 'adaptd-drift-tracker/1',
      monitor: this.monitor.toJSON(),
      ...(this.episode === undefined ? {} : { episode: { ...this.episode } }),
    };
  }

  /** Restores a state saved by toJSON against the same calibration; STATE_CORRUPT if not. */
  restore(value: unknown): void {
    const parsed = driftTrackerStateSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new AdaptdError(
        'STATE_CORRUPT',
        `drift tracker state does not parse at ${issue?.path.join('.') ?? '?'}: ${issue?.message}`,
      );
    }
    this.monitor.restore(parsed.data.monitor);
    const active = this.monitor.activeEpisode;
    this.episode =
      active === undefined
        ? undefined
        : (parsed.data.episode ?? { cause: active.cause, alarmSteps: 0, sustained: false });
    this.last = {
      ...this.idleStatus(),
      stepsSinceReset: this.monitor.stepsSinceReset,
      ...(this.episode === undefined ? {} : { cause: this.episode.cause }),
    };
  }

  private idleStatus(): DriftStatus {
    const thresholds = this.document.thresholds!;
    const level = thresholds.levels.find((l) => l.ert === this.monitor.ert)!;
    return {
      statistic: null,
      threshold: level.curve[0] ?? level.threshold,
      alarm: false,
      stepsSinceReset: 0,
      ert: this.monitor.ert,
      window: thresholds.window,
    };
  }
}

const driftTrackerStateSchema = z.object({
  format: z.literal('adaptd-drift-tracker/1'),
  monitor: driftMonitorStateSchema,
  episode: z
    .object({
      cause: z.enum(['machine', 'program', 'tool']),
      alarmSteps: z.number().int().nonnegative(),
      sustained: z.boolean(),
    })
    .optional(),
});

/** The drift tracker as persisted between restarts. */
export type DriftTrackerState = z.infer<typeof driftTrackerStateSchema>;
