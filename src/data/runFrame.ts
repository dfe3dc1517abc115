import type { RunInfo } from './runCatalog.js';

/** The controller's categorical status fields kept per row (g2core status report keys). */
export const CONTROLLER_STATE_KEYS = ['stat', 'unit', 'dist', 'plane', 'coor'] as const;
export type ControllerStateKey = (typeof CONTROLLER_STATE_KEYS)[number];

/**
 * Columns that get a typed array of their own (or are dropped, like `raw_json`, which
 * repeats the controller fields as text) instead of a place among the numeric values.
 */
export const NON_VALUE_COLUMNS: ReadonlySet<string> = new Set([
  't_console',
  'raw_json',
  'line',
  'gcode_line',
  'gcode_string',
  'momo',
  ...CONTROLLER_STATE_KEYS,
]);

/**
 * One recorded run in columns. Every array has `rows` entries, one per controller status
 * report, in file order.
 */
export interface RunFrame {
  info: RunInfo;
  rows: number;
  /** Seconds since the first row; non-decreasing (wraps of the clock already undone). */
  time: Float64Array;
  /** Numeric columns of this file in file order: sensor channels, motor currents, positions. */
  columns: string[];
  /** Column name to its values; NaN where the cell was empty. */
  values: Map<string, Float32Array>;
  /** The executing G-code line number; -1 where empty. */
  gcodeLine: Int32Array;
  /** The executing G-code line's text; '' where empty. */
  gcodeText: string[];
  /**
   * The `momo` motion mode: 0..3 = G0..G3, 4 = G80 (motion cancelled, seen at program
   * starts and ends), -1 where empty.
   */
  motion: Int8Array;
  /** Commanded feed in mm/min as the controller reports it; NaN where empty. */
  feed: Float32Array;
  /** Controller state codes; -1 where empty. */
  state: Record<ControllerStateKey, Int16Array>;
}
