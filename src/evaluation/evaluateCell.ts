import type { SensorModel } from '../model/sensorModel.js';
import type { LabelledWindows } from '../model/training/windowBatch.js';
import type { AdaptedPredictor, TransferStrategy } from '../strategies/strategy.js';
import { argmaxRows, causalRunVote, scoreClassification } from './classificationScores.js';
import { drawShots } from './drawShots.js';
import type { ScenarioWindows } from './scenarioWindows.js';
import { subsetWindows, withoutTargetLabels } from './windowViews.js';

export interface CellResult {
  scenario: string;
  strategy: string;
  seed: number;
  shots: number;
  /** Balanced accuracy on the target test runs (never seen by the strategy). */
  test: number;
  /**
   * Balanced accuracy on the target test runs when each window takes the class of the mean
   * probabilities of its run's windows so far (`causalRunVote`); window tasks only.
   */
  testRunVote?: number;
  /** Balanced accuracy on the held-back labelled target runs (for model selection). */
  check: number;
  /** Mean prediction entropy on the unlabelled target adaptation windows (label-free). */
  entropy: number;
  trainableParameters: number;
  seconds: number;
}

/** Predicted classes of the rows that are scored: each window, or each window's last `stride` rows. */
export function scoredRows(
  probabilities: Float32Array,
  windows: LabelledWindows,
  head: string,
  step: boolean,
  classes: number,
  stride: number,
): { truth: Int32Array; predicted: Int32Array } {
  const predicted = argmaxRows(probabilities, classes);
  const truth = windows.labels[head]!;
  if (!step) return { truth, predicted };
  const rows: number[] = [];
  for (let w = 0; w < windows.count; w += 1) {
    for (let t = windows.length - stride; t < windows.length; t += 1)
      rows.push(w * windows.length + t);
  }
  return {
    truth: Int32Array.from(rows, (r) => truth[r]!),
    predicted: Int32Array.from(rows, (r) => predicted[r]!),
  };
}

export async function balancedAccuracy(
  predictor: Pick<AdaptedPredictor, 'predict'>,
  windows: LabelledWindows,
  head: string,
  step: boolean,
  classes: number,
  stride = 16,
): Promise<number> {
  return (await testScores(predictor, windows, head, step, classes, stride)).balancedAccuracy;
}

/**
 * Balanced accuracy of the predictions, and for a window task on windows whose runs are
 * known, the same after a causal vote within each run.
 */
export async function testScores(
  predictor: Pick<AdaptedPredictor, 'predict'>,
  windows: LabelledWindows,
  head: string,
  step: boolean,
  classes: number,
  stride = 16,
): Promise<{ balancedAccuracy: number; runVote?: number }> {
  const probabilities = await predictor.predict(windows);
  const { truth, predicted } = scoredRows(probabilities, windows, head, step, classes, stride);
  const { balancedAccuracy } = scoreClassification(truth, predicted, classes);
  if (step || windows.run === undefined) return { balancedAccuracy };
  const voted = causalRunVote(probabilities, windows.run, classes);
  return {
    balancedAccuracy,
    runVote: scoreClassification(truth, voted, classes).balancedAccuracy,
  };
}

function meanEntropy(probabilities: Float32Array, classes: number): number {
  let total = 0;
  const rows = probabilities.length / classes;
  for (let r = 0; r < rows; r += 1) {
    for (let c = 0; c < classes; c += 1) {
      const p = probabilities[r * classes + c]!;
      if (p > 0) total -= p * Math.log(p);
    }
  }
  return total / rows;
}

/** Runs one strategy on one scenario split with `shots` labelled target windows per class. */
export async function evaluateCell(
  strategy: TransferStrategy,
  base: SensorModel,
  data: ScenarioWindows,
  classes: string[],
  options: { scenario: string; seed: number; shots: number; steps?: number },
  /** Called with the adapted predictor and the shots' positions before it is disposed. */
  capture?: (predictor: AdaptedPredictor, shots: number[]) => Promise<void>,
): Promise<CellResult> {
  const { head, step } = data;
  const started = performance.now();
  const stepHeads = new Set(step ? [head] : []);
  const shotPositions =
    options.shots > 0
      ? drawShots(data.targetAdapt, head, step, classes.length, options.shots, options.seed)
      : [];
  const support =
    options.shots > 0 ? subsetWindows(data.targetAdapt, shotPositions, stepHeads) : undefined;
  const predictor = await strategy.adapt(
    base,
    { head, classes, step },
    {
      source: data.source,
      // The G-code stream labels the motion command for free on the live machine, in every
      // scenario; every other target label is withheld.
      target: withoutTargetLabels(data.targetAdapt, true),
      support,
    },
    { seed: options.seed, steps: options.steps },
  );
  try {
    const scores = await testScores(predictor, data.targetTest, head, step, classes.length);
    const check = await balancedAccuracy(predictor, data.targetCheck, head, step, classes.length);
    const entropy = meanEntropy(await predictor.predict(data.targetAdapt), classes.length);
    await capture?.(predictor, shotPositions);
    return {
      scenario: options.scenario,
      strategy: strategy.name,
      seed: options.seed,
      shots: options.shots,
      test: scores.balancedAccuracy,
      ...(scores.runVote === undefined ? {} : { testRunVote: scores.runVote }),
      check,
      entropy,
      trainableParameters: predictor.trainableParameters,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    predictor.dispose();
  }
}
