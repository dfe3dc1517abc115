import { AdaptdError } from '../../errors.js';
import { seededRandom, shuffled } from '../../util/random.js';
import {
  checkMmdSizes,
  mmdFromKernel,
  pooledKernel,
  standardisePooled,
  type MmdOptions,
} from './mmdStatistic.js';

export interface PermutationTestOptions extends MmdOptions {
  /** Random relabellings of the pooled rows; 200 resolves p-values down to about 0.005. */
  permutations?: number;
  seed?: number;
}

export interface MmdTestResult {
  /** Unbiased MMD^2 of the samples as given. */
  statistic: number;
  /** (1 + #null >= statistic) / (1 + permutations): never 0, valid at any count. */
  pValue: number;
  /** Mean and 95th percentile of MMD^2 under no shift: the reference to report it against. */
  nullMean: number;
  null95: number;
  permutations: number;
  /** Squared median distance the kernels were scaled by. */
  bandwidth: number;
}

/**
 * MMD^2 between x [n, dim] and y [m, dim] with a permutation null: the rows are pooled,
 * split at random into groups of n and m many times, and the statistic is ranked among
 * the splits. Standardisation and bandwidth come from the pooled rows, so they are the
 * same under every split and the Gram matrix is computed once.
 *
 * Rows are treated as exchangeable. Windows from one run are autocorrelated, which makes
 * this null too narrow; permute whole runs where the p-value has to be trusted.
 */
export function mmdPermutationTest(
  x: Float32Array,
  y: Float32Array,
  dim: number,
  options: PermutationTestOptions = {},
): MmdTestResult {
  const permutations = options.permutations ?? 200;
  if (!Number.isInteger(permutations) || permutations < 1) {
    throw new AdaptdError(
      'INTERNAL',
      `MMD permutation count must be a positive integer, got ${permutations}`,
      { context: { permutations } },
    );
  }
  const n = x.length / dim;
  const m = y.length / dim;
  checkMmdSizes(n, m, dim);
  const z = standardisePooled(x, y, dim);
  const { kernel, bandwidth } = pooledKernel(z, dim, options.multipliers);
  const rows = n + m;
  const membership = Array.from({ length: rows }, (_, r) => r < n);
  const statistic = mmdFromKernel(kernel, membership);
  const random = seededRandom(options.seed ?? 1);
  const nullValues = new Float64Array(permutations);
  let atLeast = 0;
  for (let p = 0; p < permutations; p += 1) {
    const value = mmdFromKernel(kernel, shuffled(membership, random));
    nullValues[p] = value;
    if (value >= statistic) atLeast += 1;
  }
  nullValues.sort();
  return {
    statistic,
    pValue: (1 + atLeast) / (1 + permutations),
    nullMean: nullValues.reduce((a, b) => a + b, 0) / permutations,
    null95: nullValues[Math.min(permutations - 1, Math.ceil(0.95 * permutations) - 1)]!,
    permutations,
    bandwidth,
  };
}
