import type { ControllerStateKey } from './runFrame.js';

/**
 * The values each controller state field can take (g2core status codes), in one-hot
 * order. stat: 0 initialising, 1 ready, 2 alarm, 3 program stop, 4 program end, 5 run,
 * 6 hold, 7 probe, 8 cycle, 9 homing, 10 jog, 11 interlock, 12 shutdown, 13 panic;
 * unit: 0 inch, 1 mm; dist: 0 absolute, 1 incremental; plane: 0 XY, 1 XZ, 2 YZ;
 * coor: 0 machine (G53), 1..6 = G54..G59. `momo` is not here: it is a label.
 */
export const CONTEXT_VALUES: Readonly<Record<ControllerStateKey, readonly number[]>> = {
  stat: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13],
  unit: [0, 1],
  dist: [0, 1],
  plane: [0, 1, 2],
  coor: [0, 1, 2, 3, 4, 5, 6],
};

/** The fields in their one-hot order. */
export const CONTEXT_FIELDS: readonly ControllerStateKey[] = [
  'stat',
  'unit',
  'dist',
  'plane',
  'coor',
];

/** K, the length of one context vector. */
export const CONTEXT_SIZE = CONTEXT_FIELDS.reduce(
  (sum, field) => sum + CONTEXT_VALUES[field].length,
  0,
);

/** Names of the K context entries, e.g. `stat=5`. */
export const CONTEXT_NAMES: readonly string[] = CONTEXT_FIELDS.flatMap((field) =>
  CONTEXT_VALUES[field].map((value) => `${field}=${value}`),
);

/**
 * Writes the one-hot context of one row into `out` at `offset` (K entries). An empty
 * (-1) or unlisted value leaves its field all zero rather than claiming a category.
 */
export function encodeContext(
  state: Readonly<Record<ControllerStateKey, Int16Array>>,
  row: number,
  out: Float32Array,
  offset: number,
): void {
  let base = offset;
  for (const field of CONTEXT_FIELDS) {
    const values = CONTEXT_VALUES[field];
    const at = values.indexOf(state[field][row] ?? -1);
    if (at >= 0) out[base + at] = 1;
    base += values.length;
  }
}
