import type { GcodeLine } from './gcodeTimeline.js';

/** One sensor sample as the windower takes it: a time and values by machine channel name. */
export interface SensorRow {
  /** Milliseconds since the epoch. */
  ts: number;
  /** Values by the machine's channel names; null where the machine sent no reading. */
  values: Readonly<Record<string, number | null>>;
}

/** A window cut from the stream, ready for the model. */
export interface SensorWindow {
  /** Stable across redelivery and restarts: see `windowId`. */
  id: string;
  /** Time of the first and the last row (ms since the epoch). */
  from: number;
  to: number;
  /** Normalised values [T, C], row-major; masked channels hold 0. */
  x: Float32Array;
  /** Channel presence [C]: 1 present in this window, 0 masked. */
  mask: Float32Array;
  /** One-hot controller state [K] at the last row (all zero where the machine sent none). */
  context: Float32Array;
  /** The G-code line executing at each of the T rows, where one was known when cut. */
  gcode: ReadonlyArray<GcodeLine | undefined>;
  /** Every row with ts <= doneThrough is in no later window. */
  doneThrough: number;
  /** Clock time (ms) at which the window was cut, for its latency. */
  cutAt: number;
}

/** What the windower hands downstream, in stream order. */
export type WindowerOutput =
  | { kind: 'window'; window: SensorWindow }
  /** Rows up to `doneThrough` will be in no window (a gap ended their stretch, or stride skips). */
  | { kind: 'release'; doneThrough: number };

/**
 * The id of a window: machine, first-row time and last-row time. Built from the data alone, so
 * that a window cut again after a redelivery or a restart gets the same id and a consumer can
 * drop the repeat; a counter kept by the process would restart at zero and could not do that.
 * Timestamps are unique per machine because the windower drops rows with a repeated time.
 */
export function windowId(machineId: string, from: number, to: number): string {
  return `${machineId}:${from}:${to}`;
}
