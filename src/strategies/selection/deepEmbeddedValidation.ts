import { AdaptdError } from '../../errors.js';
import { logisticDomainClassifier, type LogisticOptions } from './logisticDomainClassifier.js';

export interface DevInput {
  /** Embeddings of source training windows [n, dim] (the domain classifier's source side). */
  source: Float32Array;
  /** Embeddings of unlabelled target windows [m, dim]. */
  target: Float32Array;
  /** Embeddings of labelled source validation windows [v, dim], apart from `source`. */
  validation: Float32Array;
  /** The candidate's loss on each validation window [v]. */
  validationLosses: Float64Array;
  dim: number;
}

export interface DevResult {
  /** Estimated target risk; LOWER is better. */
  risk: number;
  /** Control-variate coefficient eta = -Cov(L, W) / Var(W). */
  eta: number;
  /** Importance weights p_t / p_s of the validation windows. */
  weights: Float64Array;
  /** Mean importance-weighted loss before the control variate. */
  weightedLoss: number;
}

/** Bounds P(target | x) away from 0 and 1, so that no weight exceeds 999. */
const PROBABILITY_LIMIT = 1e-3;

/**
 * The DEV risk (You et al. 2019) from validation losses l_i and importance weights w_i:
 * with L_i = w_i l_i, eta = -Cov(L, W) / Var(W), risk = mean(L) + eta mean(W) - eta.
 * The control variate uses E[W] = 1 to cancel much of the variance the weights bring.
 */
export function devRisk(losses: ArrayLike<number>, weights: ArrayLike<number>): DevResult {
  const count = losses.length;
  if (count < 2 || weights.length !== count) {
    throw new AdaptdError(
      'INTERNAL',
      `DEV needs 2 or more validation losses with one weight each, got ${count} and ` +
        `${weights.length}`,
      { context: { losses: count, weights: weights.length } },
    );
  }
  const weighted = Float64Array.from(losses, (l, i) => l * weights[i]!);
  const meanL = mean(weighted);
  const meanW = mean(weights);
  let covariance = 0;
  let variance = 0;
  for (let i = 0; i < count; i += 1) {
    covariance += (weighted[i]! - meanL) * (weights[i]! - meanW);
    variance += (weights[i]! - meanW) ** 2;
  }
  // Equal weights leave nothing to correct with: eta 0, plain weighted mean.
  const eta = variance > 1e-12 ? -covariance / variance : 0;
  return {
    risk: meanL + eta * meanW - eta,
    eta,
    weights: Float64Array.from(weights),
    weightedLoss: meanL,
  };
}

/**
 * Deep embedded validation: a domain classifier on the candidate's own embeddings of
 * source training and target windows gives each labelled source validation window the
 * weight p_t(x) / p_s(x); the weighted validation loss, with the control variate,
 * estimates the loss on the target. LOWER is better. Validation windows must not be
 * among the classifier's source windows, or their weights are biased low.
 */
export function deepEmbeddedValidation(input: DevInput, options: LogisticOptions = {}): DevResult {
  const { dim } = input;
  const probability = logisticDomainClassifier(input.source, input.target, dim, options);
  const count = input.validation.length / dim;
  if (count !== input.validationLosses.length) {
    throw new AdaptdError(
      'INTERNAL',
      `${count} validation embeddings but ${input.validationLosses.length} losses`,
    );
  }
  const weights = new Float64Array(count);
  for (let i = 0; i < count; i += 1) {
    const p = Math.min(
      1 - PROBABILITY_LIMIT,
      Math.max(PROBABILITY_LIMIT, probability(input.validation, i)),
    );
    weights[i] = p / (1 - p);
  }
  return devRisk(input.validationLosses, weights);
}

function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i += 1) sum += values[i]!;
  return sum / values.length;
}
