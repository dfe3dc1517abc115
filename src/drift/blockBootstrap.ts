import { AdaptdError } from '../errors.js';

/** A stretch of one run inside a bootstrap stream: rows `from` to the run's end. */
export interface StreamSegment {
  run: number;
  from: number;
}

export interface BootstrapStream {
  /** Row indices into the pool of all runs laid end to end, [length]. */
  rows: Int32Array;
  /** The runs the stream is made of, in order; only the first starts inside its run. */
  segments: StreamSegment[];
}

/**
 * One no-drift stream of `length` rows from whole recorded runs: a run drawn at random
 * and entered at a random row (the monitor may start at any point of a run), then whole
 * runs drawn with replacement and laid end to end. Drawing runs rather than rows keeps
 * the autocorrelation of a real stream: windows of one run overlap and share its
 * session, so a bootstrap of single windows would make the null far too narrow and the
 * false alarms far more frequent than calibrated.
 *
 * @param runLengths rows per run; the pool index of run r's row i is the sum of the
 *   lengths before r plus i.
 */
export function blockBootstrapStream(
  runLengths: readonly number[],
  length: number,
  random: () => number,
): BootstrapStream {
  const usable = runLengths.filter((rows) => rows > 0).length;
  if (usable === 0 || !Number.isInteger(length) || length < 1) {
    throw new AdaptdError(
      'INTERNAL',
      `a block bootstrap needs at least one non-empty run and a positive length, got ` +
        `${usable} non-empty runs and length ${length}`,
      { context: { runs: runLengths.length, usable, length } },
    );
  }
  const starts: number[] = [];
  runLengths.reduce((offset, rows) => (starts.push(offset), offset + rows), 0);
  const draw = (): number => {
    for (;;) {
      const run = Math.floor(random() * runLengths.length);
      if (runLengths[run]! > 0) return run;
    }
  };
  const rows = new Int32Array(length);
  const segments: StreamSegment[] = [];
  let filled = 0;
  let run = draw();
  let from = Math.floor(random() * runLengths[run]!);
  while (filled < length) {
    segments.push({ run, from });
    for (let i = from; i < runLengths[run]! && filled < length; i += 1) {
      rows[filled++] = starts[run]! + i;
    }
    run = draw();
    from = 0;
  }
  return { rows, segments };
}
