import { gaussian, seededRandom } from '../../src/util/random.js';

/** Independent normal rows [rows][dim], every feature shifted by `shift`. */
export function gaussianRows(rows: number, dim: number, seed: number, shift = 0): number[][] {
  const random = seededRandom(seed);
  return Array.from({ length: rows }, () =>
    Array.from({ length: dim }, () => gaussian(random) + shift),
  );
}

export interface SyntheticRunOptions {
  /** Standard deviation of each run's own offset: runs differ as recorded runs do. */
  runEffect?: number;
  /** AR(1) coefficient between consecutive rows of a run: windows overlap in real runs. */
  autocorrelation?: number;
  shift?: number;
}

/**
 * Runs of autocorrelated embeddings [runs][length][dim]: a per-run offset plus an AR(1)
 * process of unit variance, the shape of no-drift source data for the block bootstrap.
 */
export function syntheticRuns(
  runs: number,
  length: number,
  dim: number,
  seed: number,
  options: SyntheticRunOptions = {},
): number[][][] {
  const random = seededRandom(seed);
  const effect = options.runEffect ?? 0.3;
  const rho = options.autocorrelation ?? 0.8;
  const shift = options.shift ?? 0;
  const innovation = Math.sqrt(1 - rho * rho);
  return Array.from({ length: runs }, () => {
    const offset = Array.from({ length: dim }, () => effect * gaussian(random) + shift);
    let state = Array.from({ length: dim }, () => gaussian(random));
    return Array.from({ length }, () => {
      state = state.map((v) => rho * v + innovation * gaussian(random));
      return state.map((v, f) => v + offset[f]!);
    });
  });
}
