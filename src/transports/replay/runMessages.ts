import type { RunFrame } from '../../data/runFrame.js';
import type { GcodeMessage } from '../messages/gcodeMessage.js';
import type { SensorSample } from '../messages/sensorMessage.js';

/** What one step of a replay publishes, due when its last row's time comes. */
export interface ReplayStep {
  /** Time of the step's last row, ms since the epoch. */
  readonly dueTs: number;
  /** Each change of the executing G-code line within the step's rows, in order. */
  readonly gcode: readonly GcodeMessage[];
  /** The step's rows as sensor samples, oldest first. */
  readonly samples: readonly SensorSample[];
}

/** Time of row `row` of a run whose first row is stamped `startTs`, in whole ms. */
export function rowTime(frame: RunFrame, row: number, startTs: number): number {
  return startTs + Math.round((frame.time[row] ?? 0) * 1000);
}

/**
 * A recorded run as the messages a machine would have sent: every row a sensor sample with the
 * run's numeric columns under their CSV names (an empty cell as null) stamped `startTs` plus the
 * row's console time, and a G-code message whenever the executing line changes. Rows go out
 * `batchRows` at a time; a step's G-code changes come before its samples, so a consumer knows
 * the line before it sees the rows cut under it.
 */
export function* runSteps(
  frame: RunFrame,
  startTs: number,
  batchRows: number,
): Generator<ReplayStep> {
  const columns = frame.columns.map((name) => [name, frame.values.get(name)] as const);
  let line = -1;
  for (let first = 0; first < frame.rows; first += batchRows) {
    const last = Math.min(frame.rows, first + batchRows) - 1;
    const gcode: GcodeMessage[] = [];
    const samples: SensorSample[] = [];
    for (let row = first; row <= last; row += 1) {
      const ts = rowTime(frame, row, startTs);
      const rowLine = frame.gcodeLine[row] ?? -1;
      if (rowLine >= 0 && rowLine !== line) {
        gcode.push({ ts, line: rowLine, text: frame.gcodeText[row] ?? '' });
        line = rowLine;
      }
      const values: Record<string, number | null> = {};
      for (const [name, column] of columns) {
        const value = column?.[row] ?? Number.NaN;
        // Columns are float32; 7 significant digits give the value back without float64 noise.
        values[name] = Number.isFinite(value) ? Number(value.toPrecision(7)) : null;
      }
      samples.push({ ts, values });
    }
    yield { dueTs: rowTime(frame, last, startTs), gcode, samples };
  }
}
