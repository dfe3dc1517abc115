import { AdaptdError } from '../errors.js';
import { seededRandom } from '../util/random.js';
import { blockBootstrapStream } from './blockBootstrap.js';
import type { DriftThresholds, ThresholdLevel } from './driftDocument.js';
import { referenceKernelMean } from './onlineMmd.js';
import { ReferenceKernel } from './referenceKernel.js';
import { SlidingMmd } from './slidingMmd.js';

/** Held-out no-drift data to calibrate on; none of it may be in the reference. */
export interface CalibrationData {
  /** Reference embeddings R [n, dim]. */
  reference: ArrayLike<number>;
  dim: number;
  /** Embeddings of each held-out source run in stream order, [rows_r, dim] each. */
  runs: ArrayLike<number>[];
  /** Run ids, recorded with the thresholds. */
  runIds: string[];
}

export interface CalibrationOptions {
  /** Expected run times between false alarms (windows) to calibrate a level for. */
  erts: readonly number[];
  window: number;
  /** Bootstrap streams; default 20 times the largest ERT, at least 2000. */
  streams?: number;
  /** Steps per stream after the window fills; default 2 windows. */
  steps?: number;
  seed: number;
  multipliers?: readonly number[];
}

/**
 * Thresholds of the online MMD for each expected run time (ERT) between false alarms, by
 * a block bootstrap over held-out source runs: many no-drift streams of whole runs (see
 * `blockBootstrapStream`) are run through the statistic; at each step the threshold is
 * the (1 - 1/ERT) quantile over the streams that have not alarmed yet, and a stream
 * above it counts as alarmed from then on. So each step alarms a share 1/ERT of the
 * streams still running, run lengths are geometric with mean ERT, and the last threshold
 * is held for the rest of a real stream.
 *
 * Kernel values against the reference and between pool rows are computed once and shared
 * by every stream, so a stream step costs O(w) lookups rather than O(n dim).
 */
export function calibrateThresholds(
  data: CalibrationData,
  options: CalibrationOptions,
): DriftThresholds {
  const { dim } = data;
  const { window } = options;
  const largest = Math.max(...options.erts);
  const streams = options.streams ?? Math.max(2000, 20 * largest);
  const steps = options.steps ?? 2 * window;
  checkOptions(options, streams);
  const kernel = ReferenceKernel.fit(data.reference, dim, options.multipliers);
  const reference = kernel.standardise(data.reference);
  const n = reference.length / dim;
  const referenceMean = referenceKernelMean(kernel, reference);
  const lengths = data.runs.map((run) => run.length / dim);
  const pool = new Float64Array(lengths.reduce((a, b) => a + b, 0) * dim);
  let offset = 0;
  for (const run of data.runs) {
    pool.set(kernel.standardise(run), offset);
    offset += run.length;
  }
  const cross = Float64Array.from({ length: pool.length / dim }, (_, p) => {
    let sum = 0;
    for (let i = 0; i < n; i += 1) sum += kernel.between(reference, i, pool, p);
    return sum;
  });
  const pair = poolKernel(kernel, pool, window);
  const random = seededRandom(options.seed);
  const statistics = new Float64Array(streams * steps);
  const sliding = new SlidingMmd(window, n, referenceMean);
  const bySlot = new Int32Array(window);
  for (let s = 0; s < streams; s += 1) {
    const { rows } = blockBootstrapStream(lengths, window - 1 + steps, random);
    sliding.clear();
    rows.forEach((p, t) => {
      const slot = sliding.nextSlot;
      const value = sliding.push(cross[p]!, (b) => pair(p, bySlot[b]!));
      bySlot[slot] = p;
      if (t >= window - 1) statistics[s * steps + t - window + 1] = value!;
    });
  }
  return {
    method: 'online-mmd/block-bootstrap',
    window,
    streams,
    steps,
    seed: options.seed,
    referenceSize: n,
    kernel: kernel.parameters,
    levels: options.erts.map((ert) => thresholdLevel(statistics, streams, steps, ert)),
    calibrationRuns: [...data.runIds],
  };
}

/**
 * k(p, q) between standardised pool rows [rows, dim], each pair computed once: rows less
 * than a window apart in the pool (most pairs a stream meets, as runs are laid out in
 * order) in a band array, the pairs across run boundaries in a map.
 */
function poolKernel(
  kernel: ReferenceKernel,
  pool: Float64Array,
  window: number,
): (p: number, q: number) => number {
  const rows = pool.length / kernel.dim;
  const width = window - 1;
  const band = new Float64Array(rows * width);
  for (let p = 0; p < rows; p += 1) {
    for (let d = 1; d <= width && p + d < rows; d += 1) {
      band[p * width + d - 1] = kernel.between(pool, p, pool, p + d);
    }
  }
  const far = new Map<number, number>();
  return (p, q) => {
    const [a, b] = p < q ? [p, q] : [q, p];
    // A short run drawn twice in a row can bring one row into the window twice.
    if (a === b) return kernel.between(pool, a, pool, b);
    if (b - a <= width) return band[a * width + b - a - 1]!;
    const key = a * rows + b;
    let value = far.get(key);
    if (value === undefined) {
      value = kernel.between(pool, a, pool, b);
      far.set(key, value);
    }
    return value;
  };
}

/**
 * The threshold curve for one ERT from per-stream statistics [streams, steps]: at each
 * step, the ceil((1 - 1/ERT) m)-th smallest of the m streams still running, so that at
 * most a share 1/ERT of them lies above it. Where none lies above it, the threshold is
 * just the largest statistic seen and the data cannot resolve the ERT: such steps are
 * counted in `saturatedSteps`.
 */
export function thresholdLevel(
  statistics: Float64Array,
  streams: number,
  steps: number,
  ert: number,
): ThresholdLevel {
  const running = new Uint8Array(streams).fill(1);
  const curve: number[] = [];
  let saturatedSteps = 0;
  for (let t = 0; t < steps; t += 1) {
    const values: number[] = [];
    for (let s = 0; s < streams; s += 1) if (running[s]) values.push(statistics[s * steps + t]!);
    if (values.length === 0) break;
    values.sort((a, b) => a - b);
    const rank = Math.max(1, Math.ceil((1 - 1 / ert) * values.length));
    const threshold = values[rank - 1]!;
    curve.push(round(threshold));
    let above = 0;
    for (let s = 0; s < streams; s += 1) {
      if (running[s] && statistics[s * steps + t]! > threshold) {
        running[s] = 0;
        above += 1;
      }
    }
    if (above === 0) saturatedSteps += 1;
  }
  return { ert, threshold: curve[curve.length - 1]!, curve, saturatedSteps };
}

function checkOptions(options: CalibrationOptions, streams: number): void {
  const bad = options.erts.filter((ert) => !Number.isInteger(ert) || ert < 2);
  if (options.erts.length === 0 || bad.length > 0 || streams < Math.max(...options.erts)) {
    throw new AdaptdError(
      'CONFIG_INVALID',
      `drift calibration needs expected run times that are integers of at least 2 and no more ` +
        `than the ${streams} bootstrap streams (a quantile needs a stream above it), got ` +
        `${options.erts.join(', ') || 'none'}`,
      { context: { erts: [...options.erts], streams } },
    );
  }
}

/** Thresholds are shipped in JSON; 9 significant digits keep them exact enough and short. */
function round(value: number): number {
  return Number(value.toPrecision(9));
}
