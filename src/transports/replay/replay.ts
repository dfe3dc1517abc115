import { readRun } from '../../data/runReader.js';
import type { RunFrame } from '../../data/runFrame.js';
import { programOf, type RunInfo } from '../../data/runCatalog.js';
import { AdaptdError } from '../../errors.js';
import { silentLogger, type Logger } from '../../log.js';
import type { InputPublisher } from '../inputPublisher.js';
import { rowTime, runSteps } from './runMessages.js';

/** Replay speed: a multiple of recorded time, or `max` for as fast as the broker takes it. */
export type ReplaySpeed = number | 'max';

/** Wall time as the replay sees it; tests pass a virtual one. */
export interface ReplayClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: ReplayClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        signal?.removeEventListener('abort', done);
        clearTimeout(timer);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    }),
};

/** The stamped time span of one replayed run. */
export interface ReplayedRun {
  readonly run: RunInfo;
  /** Times of its first and last row, ms since the epoch. */
  readonly from: number;
  readonly to: number;
  readonly rows: number;
}

export interface ReplayOptions {
  readonly runs: readonly RunInfo[];
  readonly publisher: InputPublisher;
  readonly speed: ReplaySpeed;
  /** Time stamped on the first row of the first run, ms since the epoch; default now. */
  readonly startMs?: number;
  /** Recorded time between the end of one run and the start of the next, in ms. */
  readonly gapMs?: number;
  /** Rows per sensor message; default 1 at real speed, about `speed` rows when faster, 32 at max. */
  readonly batchRows?: number;
  /** Messages published and not yet acknowledged at once. */
  readonly maxInFlight?: number;
  /** Called as each run starts, with the times its rows are stamped with. */
  readonly onRun?: (run: ReplayedRun) => void;
  readonly signal?: AbortSignal;
  /**
   * Announce each run's program (`programOf`) on the G-code stream before its first row, as a
   * controller does when a program starts, so the daemon can tell a planned program change from
   * machine drift. Off by default: the recorded G-code has no program header.
   */
  readonly announcePrograms?: boolean;
  /** Reads one run; readRun by default (a benchmark passes frames read beforehand). */
  readonly read?: (run: RunInfo) => Promise<RunFrame>;
  readonly clock?: ReplayClock;
  readonly logger?: Logger;
}

export interface ReplayResult {
  readonly runs: readonly ReplayedRun[];
  readonly samples: number;
  readonly sensorMessages: number;
  readonly gcodeMessages: number;
  /** Where a following replay would start to continue this one's time line. */
  readonly nextStartMs: number;
  /** Whether the signal stopped it before the end. */
  readonly aborted: boolean;
}

function defaultBatch(speed: ReplaySpeed): number {
  return speed === 'max' ? 32 : Math.max(1, Math.round(speed));
}

/**
 * Publishes recorded runs one after the other as sensor samples and G-code lines, paced so that
 * row times pass at `speed` times real time, on one continuous time line starting at `startMs`.
 * Each run is read while the one before plays.
 */
export async function replayRuns(options: ReplayOptions): Promise<ReplayResult> {
  const { runs, publisher, speed, signal } = options;
  if (speed !== 'max' && !(speed > 0 && Number.isFinite(speed))) {
    throw new AdaptdError(
      'CONFIG_INVALID',
      `replay speed ${speed} is not allowed; give a number above 0 or max`,
    );
  }
  const stopped = () => signal?.aborted === true;
  const clock = options.clock ?? realClock;
  const read = options.read ?? readRun;
  const logger = (options.logger ?? silentLogger).child({ component: 'replay' });
  const batchRows = options.batchRows ?? defaultBatch(speed);
  const gapMs = options.gapMs ?? 5_000;
  const inFlight = new InFlight(options.maxInFlight ?? 64);
  const replayed: ReplayedRun[] = [];
  const counts = { samples: 0, sensorMessages: 0, gcodeMessages: 0 };
  let startTs = options.startMs ?? clock.now();
  // Wall time at which recorded time startTs is due.
  const wallStart = clock.now();
  const recordedStart = startTs;
  let next: Promise<RunFrame> | undefined = runs[0] === undefined ? undefined : read(runs[0]);
  for (let r = 0; r < runs.length && next !== undefined && !stopped(); r += 1) {
    const frame = await next;
    next = runs[r + 1] === undefined ? undefined : read(runs[r + 1]!);
    const span = {
      run: frame.info,
      from: startTs,
      to: rowTime(frame, frame.rows - 1, startTs),
      rows: frame.rows,
    };
    replayed.push(span);
    options.onRun?.(span);
    logger.info({ run: frame.info.id, rows: frame.rows, from: span.from }, 'replaying run');
    if (options.announcePrograms === true) {
      const text = `(PROGRAM ${programOf(frame.info)})`;
      await inFlight.add(publisher.publish('gcode', { ts: startTs, line: 0, text }));
      counts.gcodeMessages += 1;
    }
    for (const step of runSteps(frame, startTs, batchRows)) {
      if (stopped()) break;
      if (speed !== 'max') {
        const due = wallStart + (step.dueTs - recordedStart) / speed;
        const wait = due - clock.now();
        if (wait > 0) await clock.sleep(wait, signal);
      }
      for (const line of step.gcode) await inFlight.add(publisher.publish('gcode', line));
      const sensors = step.samples.length === 1 ? step.samples[0]! : { samples: [...step.samples] };
      await inFlight.add(publisher.publish('sensors', sensors));
      counts.samples += step.samples.length;
      counts.sensorMessages += 1;
      counts.gcodeMessages += step.gcode.length;
    }
    startTs = span.to + gapMs;
  }
  // A read started for a run that will not be played must not fail unobserved.
  next?.catch(() => undefined);
  await inFlight.drain();
  const aborted = stopped();
  logger.info({ ...counts, runs: replayed.length, aborted }, 'replay finished');
  return { runs: replayed, ...counts, nextStartMs: startTs, aborted };
}

/**
 * Publishes overlap up to a limit; the oldest is awaited when it is reached. Publishes are
 * issued in order, and both clients send in issue order, so overlap does not reorder them.
 */
class InFlight {
  private readonly pending: Promise<void>[] = [];

  constructor(private readonly limit: number) {}

  async add(publish: Promise<void>): Promise<void> {
    // Observed at once so that a failure waiting its turn is not reported as unhandled.
    publish.catch(() => undefined);
    this.pending.push(publish);
    if (this.pending.length >= this.limit) await this.pending.shift();
  }

  async drain(): Promise<void> {
    while (this.pending.length > 0) await this.pending.shift();
  }
}
