import { AdaptdError } from '../errors.js';
import type { DriftDocument, DriftThresholds, ThresholdLevel } from './driftDocument.js';
import { parseMonitorState, type DriftMonitorState, type StateKey } from './driftMonitorState.js';
import { OnlineMmd } from './onlineMmd.js';
import { ReferenceKernel } from './referenceKernel.js';

/** What the G-code stream says about the window: planned changes are not machine drift. */
export interface DriftContext {
  programId?: string;
  tool?: string;
}

export type PlannedChange = 'program' | 'tool';

export interface DriftObservation {
  /** Online MMD^2 against the source reference; null until the window has filled. */
  statistic: number | null;
  threshold: number;
  alarm: boolean;
  stepsSinceReset: number;
  /** Set on alarms that a planned change explains rather than the machine. */
  explained?: PlannedChange;
}

export interface DriftMonitorOptions {
  /** Which calibrated level to alarm at; the first one shipped when absent. */
  ert?: number;
  /** An alarm starting within this many steps of a planned change is put down to it. */
  explainSteps?: number;
}

/** Alarm episodes started since the monitor was made, by cause. */
export type DriftDetections = Record<'machine' | PlannedChange, number>;

/**
 * The daemon's drift detector: each window's embedding goes into an online MMD against the
 * artifact's source reference and is compared with the threshold calibrated for the
 * configured expected run time (the per-step curve right after a reset, as calibrated,
 * then its last value).
 *
 * Alarms come in episodes: an episode starts with an alarm and ends after a full window
 * of steps below the threshold. An episode that starts within `explainSteps` (default two
 * windows) of a planned change announced in the context (a new program or tool) is
 * reported as explained by that change for as long as it lasts; every other episode is
 * machine drift. A change that comes while an unexplained episode runs explains nothing:
 * that drift came first. Shortcoming: machine drift that begins inside an explained
 * episode (a tool breaking while a new program keeps the statistic high) stays hidden in
 * it until the episode ends; the reference holds only source programs, so nothing tells a
 * new program's own baseline from its later drift.
 *
 * The reference embeddings come from the source model: after an adapter is promoted the
 * embeddings move, and the monitor has to be reset or rebuilt on a new reference.
 */
export class DriftMonitor {
  private readonly mmd: OnlineMmd;
  private readonly level: ThresholdLevel;
  private readonly explainSteps: number;
  private steps = 0;
  private programId: string | undefined;
  private tool: string | undefined;
  private lastChange: { kind: PlannedChange; step: number } | undefined;
  private episode: { explained?: PlannedChange; quiet: number } | undefined;
  private readonly counts: DriftDetections = { machine: 0, program: 0, tool: 0 };

  constructor(
    reference: ArrayLike<number>,
    readonly thresholds: DriftThresholds,
    options: DriftMonitorOptions = {},
  ) {
    const level =
      options.ert === undefined
        ? thresholds.levels[0]
        : thresholds.levels.find((l) => l.ert === options.ert);
    if (level === undefined) {
      throw new AdaptdError(
        'CONFIG_INVALID',
        `drift thresholds were calibrated for expected run times ` +
          `${thresholds.levels.map((l) => l.ert).join(', ')}, not ${options.ert}; recalibrate ` +
          `with \`adaptd drift calibrate --ert ${options.ert}\` or choose a shipped one`,
        { context: { ert: options.ert, shipped: thresholds.levels.map((l) => l.ert) } },
      );
    }
    this.level = level;
    this.explainSteps = options.explainSteps ?? 2 * thresholds.window;
    this.mmd = new OnlineMmd(reference, thresholds.window, new ReferenceKernel(thresholds.kernel));
  }

  /** A monitor for an artifact's drift.json; MODEL_INVALID when it has no thresholds yet. */
  static fromDocument(doc: DriftDocument, options: DriftMonitorOptions = {}): DriftMonitor {
    if (doc.thresholds === null) {
      throw new AdaptdError(
        'MODEL_INVALID',
        'the model artifact has no drift thresholds; run `adaptd drift calibrate` on it',
      );
    }
    return new DriftMonitor(doc.embeddings.flat(), doc.thresholds, options);
  }

  get ert(): number {
    return this.level.ert;
  }

  get detections(): DriftDetections {
    return { ...this.counts };
  }

  /** The alarm episode under way and its cause, or undefined while the stream is quiet. */
  get activeEpisode(): { cause: 'machine' | PlannedChange } | undefined {
    return this.episode === undefined ? undefined : { cause: this.episode.explained ?? 'machine' };
  }

  /** Steps since the last reset (or since the monitor was made). */
  get stepsSinceReset(): number {
    return this.steps;
  }

  /** The window's embeddings as given, oldest first: [count, dim] row-major. */
  recentEmbeddings(): Float64Array {
    return this.mmd.windowRows();
  }

  /** Adds one window's embedding [units] and says whether the stream has drifted. */
  observe(embedding: ArrayLike<number>, context: DriftContext = {}): DriftObservation {
    this.notice('program', this.programId, context.programId);
    this.notice('tool', this.tool, context.tool);
    this.programId = context.programId ?? this.programId;
    this.tool = context.tool ?? this.tool;
    const value = this.mmd.push(embedding);
    this.steps += 1;
    const threshold = this.currentThreshold();
    const stepsSinceReset = this.steps;
    if (value === undefined) return { statistic: null, threshold, alarm: false, stepsSinceReset };
    const alarm = value > threshold;
    if (alarm && this.episode === undefined) this.startEpisode();
    else if (alarm) this.episode!.quiet = 0;
    else if (this.episode !== undefined && ++this.episode.quiet >= this.thresholds.window) {
      this.episode = undefined;
    }
    const explained = alarm ? this.episode?.explained : undefined;
    return {
      statistic: value,
      threshold,
      alarm,
      stepsSinceReset,
      ...(explained === undefined ? {} : { explained }),
    };
  }

  /** Empties the window and forgets episodes; program, tool and detection totals stay. */
  reset(): void {
    this.mmd.clear();
    this.steps = 0;
    this.lastChange = undefined;
    this.episode = undefined;
  }

  toJSON(): DriftMonitorState {
    return {
      format: 'adaptd-drift-monitor/1',
      ...this.stateKey(),
      steps: this.steps,
      recent: chunk(this.mmd.windowRows(), this.mmd.kernel.dim),
      ...(this.programId === undefined ? {} : { programId: this.programId }),
      ...(this.tool === undefined ? {} : { tool: this.tool }),
      ...(this.lastChange === undefined ? {} : { lastChange: { ...this.lastChange } }),
      ...(this.episode === undefined ? {} : { episode: { ...this.episode } }),
      detections: this.detections,
    };
  }

  /**
   * Restores state saved by `toJSON` from a monitor on the same thresholds; STATE_CORRUPT
   * when it does not parse or was saved against other thresholds.
   */
  restore(value: unknown): void {
    const state = parseMonitorState(value, this.stateKey());
    this.mmd.clear();
    for (const row of state.recent) this.mmd.push(row);
    this.steps = state.steps;
    this.programId = state.programId;
    this.tool = state.tool;
    this.lastChange = state.lastChange === undefined ? undefined : { ...state.lastChange };
    this.episode = state.episode === undefined ? undefined : { ...state.episode };
    Object.assign(this.counts, state.detections);
  }

  private notice(kind: PlannedChange, known: string | undefined, given: string | undefined): void {
    if (known !== undefined && given !== undefined && given !== known) {
      this.lastChange = { kind, step: this.steps };
    }
  }

  private startEpisode(): void {
    const change = this.lastChange;
    const explained =
      change !== undefined && this.steps - change.step <= this.explainSteps
        ? change.kind
        : undefined;
    this.episode = { quiet: 0, ...(explained === undefined ? {} : { explained }) };
    this.counts[explained ?? 'machine'] += 1;
  }

  private currentThreshold(): number {
    const t = this.steps - this.thresholds.window;
    const { curve, threshold } = this.level;
    return t < 0 ? threshold : (curve[Math.min(t, curve.length - 1)] ?? threshold);
  }

  private stateKey(): StateKey {
    const { window, referenceSize } = this.thresholds;
    return { ert: this.level.ert, threshold: this.level.threshold, window, referenceSize };
  }
}

function chunk(values: Float64Array, dim: number): number[][] {
  return Array.from({ length: values.length / dim }, (_, r) =>
    Array.from(values.subarray(r * dim, (r + 1) * dim)),
  );
}
