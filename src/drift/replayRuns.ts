import type { DriftContext, DriftMonitor, PlannedChange } from './driftMonitor.js';

/** One recorded run's window embeddings in stream order, [rows, dim] row-major. */
export interface ReplayRun {
  id: string;
  embeddings: ArrayLike<number>;
  context?: DriftContext;
}

export interface ReplayAlarm {
  /** Windows since the replay began, 1-based: the alarm came with this window. */
  step: number;
  run: string;
  /** Windows since the run began, 1-based. */
  runStep: number;
  explained?: PlannedChange;
}

export interface ReplayOutcome {
  steps: number;
  /** Steps with a statistic, the denominator of the false-alarm rate. */
  monitoredSteps: number;
  /** Where the monitor's alarm episodes started. */
  alarms: ReplayAlarm[];
  /** alarms / monitoredSteps. */
  rate: number;
}

export interface ReplayOptions {
  /**
   * Reset the monitor after each alarm, as the expected run time assumes (the run length
   * is counted from a fresh start); otherwise one long drift counts once.
   */
  resetOnAlarm?: boolean;
}

/**
 * Streams runs' embeddings through a monitor, run after run without a reset between them
 * (a machine runs program after program), and lists where alarm episodes started.
 */
export function replayRuns(
  monitor: DriftMonitor,
  runs: readonly ReplayRun[],
  options: ReplayOptions = {},
): ReplayOutcome {
  const dim = monitor.thresholds.kernel.mean.length;
  const alarms: ReplayAlarm[] = [];
  let steps = 0;
  let monitoredSteps = 0;
  const episodes = (): number => Object.values(monitor.detections).reduce((a, b) => a + b, 0);
  for (const run of runs) {
    const rows = run.embeddings.length / dim;
    for (let r = 0; r < rows; r += 1) {
      const row = Array.prototype.slice.call(run.embeddings, r * dim, (r + 1) * dim) as number[];
      const before = episodes();
      const seen = monitor.observe(row, run.context);
      steps += 1;
      if (seen.statistic !== null) monitoredSteps += 1;
      if (episodes() > before) {
        alarms.push({
          step: steps,
          run: run.id,
          runStep: r + 1,
          ...(seen.explained === undefined ? {} : { explained: seen.explained }),
        });
      }
      if (seen.alarm && options.resetOnAlarm === true) monitor.reset();
    }
  }
  return {
    steps,
    monitoredSteps,
    alarms,
    rate: monitoredSteps === 0 ? 0 : alarms.length / monitoredSteps,
  };
}
