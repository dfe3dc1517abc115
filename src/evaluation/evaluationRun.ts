import type { ScenarioName } from '../data/scenarios.js';
import { isAdaptdError } from '../errors.js';
import type { Logger } from '../log.js';
import { findStrategy } from '../strategies/registry.js';
import { balancedAccuracy, evaluateCell, testScores, type CellResult } from './evaluateCell.js';
import type { EmbeddingSnapshot } from './plots/evaluationPlots.js';
import { RunLibrary, scenarioWindows, type ScenarioWindows } from './scenarioWindows.js';
import { subsetWindows, windowClass } from './windowViews.js';
import type { AdaptedPredictor } from '../strategies/strategy.js';
import { sourceModelFor, type SourceModelOptions } from './sourceModels.js';
import { sourceOnlyPredictor } from './sourceOnly.js';

export interface EvaluationPlan {
  scenarios: ScenarioName[];
  strategies: string[];
  seeds: number[];
  shots: number[];
  /** Optimiser steps per strategy run (quick mode uses few). */
  steps?: number;
  /** Strategy trained on every labelled target adaptation window: the target-oracle row. */
  oracle?: string;
}

export interface ReferenceResult {
  scenario: string;
  seed: number;
  /** The source model's own head on the target test runs. */
  sourceOnly: number;
  /** The same after a causal vote within each target test run (window tasks). */
  sourceOnlyRunVote?: number;
  /** The same head on held-out source runs. */
  sourceHeldOut: number;
  /** The oracle strategy trained on all labelled target adaptation windows, on the test runs. */
  oracle?: number;
}

export interface EvaluationResults {
  plan: EvaluationPlan;
  cells: CellResult[];
  references: ReferenceResult[];
  /** Why a planned cell was not run (a strategy that needs labels at 0 shots...). */
  skipped: { scenario: string; strategy: string; shots: number; reason: string }[];
  sourceModels: Record<string, string>;
  /** Embeddings kept for the pictures (not written to results.json). */
  snapshots: EmbeddingSnapshot[];
}

/** The value of `run`, or the message of the CONFIG_INVALID error it refused with. */
async function attempt<T>(run: () => Promise<T>): Promise<T | string> {
  try {
    return await run();
  } catch (error) {
    if (isAdaptdError(error, 'CONFIG_INVALID')) return error.message;
    throw error;
  }
}

/** The shots at which pictures are taken: 5 where planned, else the largest. */
function snapshotShots(plan: EvaluationPlan): number {
  return plan.shots.includes(5) ? 5 : Math.max(...plan.shots);
}

async function snapshot(
  scenario: string,
  strategy: string,
  before: AdaptedPredictor,
  after: AdaptedPredictor,
  data: ScenarioWindows,
  classNames: string[],
  shots: number[],
): Promise<EmbeddingSnapshot> {
  const stepHeads = new Set(data.step ? [data.head] : []);
  const firstWindows = (count: number): number[] =>
    Array.from({ length: Math.min(count, SNAPSHOT_WINDOWS) }, (_, i) => i);
  const source = subsetWindows(data.source, firstWindows(data.source.count), stepHeads);
  const keep = [...new Set([...firstWindows(data.targetAdapt.count), ...shots])].sort(
    (a, b) => a - b,
  );
  const target = subsetWindows(data.targetAdapt, keep, stepHeads);
  const units = (await before.embed(subsetWindows(source, [0], stepHeads))).length;
  return {
    scenario,
    strategy,
    units,
    before: { source: await before.embed(source), target: await before.embed(target) },
    after: { source: await after.embed(source), target: await after.embed(target) },
    targetClasses: Int32Array.from(keep, (_, n) => windowClass(target, data.head, data.step, n)),
    classNames,
    shots: shots.map((i) => keep.indexOf(i)),
  };
}

export interface EvaluationHooks {
  onCell?: (done: number, total: number, cell: CellResult) => void;
  /**
   * Called with the results so far after every finished cell and reference row, so that a
   * run cut short still leaves the finished cells behind.
   */
  onPartial?: (results: EvaluationResults) => Promise<void>;
}

/** Windows drawn for pictures: at most this many per domain. */
const SNAPSHOT_WINDOWS = 300;

/** Every strategy x scenario x seed x shots cell of a plan, with reference rows. */
export async function runEvaluation(
  plan: EvaluationPlan,
  models: SourceModelOptions & { logger: Logger },
  hooks: EvaluationHooks = {},
): Promise<EvaluationResults> {
  const library = new RunLibrary(models.dataDir);
  const results: EvaluationResults = {
    plan,
    cells: [],
    references: [],
    skipped: [],
    sourceModels: {},
    snapshots: [],
  };
  const strategies = plan.strategies.map((name) => findStrategy(name));
  const total = plan.scenarios.length * strategies.length * plan.seeds.length * plan.shots.length;
  let done = 0;
  for (const scenario of plan.scenarios) {
    const bundle = await sourceModelFor(scenario, models);
    results.sourceModels[scenario] = bundle.manifest?.version ?? 'unknown';
    try {
      for (const seed of plan.seeds) {
        const data = await scenarioWindows(library, scenario, seed, bundle);
        const head = bundle.model.config.heads.find((h) => h.name === data.head)!;
        const reference = sourceOnlyPredictor(bundle.model, data.head);
        const score = (
          predictor: Pick<AdaptedPredictor, 'predict'>,
          set = data.targetTest,
        ): Promise<number> =>
          balancedAccuracy(predictor, set, data.head, data.step, head.classes.length);
        const sourceOnly = await testScores(
          reference,
          data.targetTest,
          data.head,
          data.step,
          head.classes.length,
        );
        const row: ReferenceResult = {
          scenario,
          seed,
          sourceOnly: sourceOnly.balancedAccuracy,
          ...(sourceOnly.runVote === undefined ? {} : { sourceOnlyRunVote: sourceOnly.runVote }),
          sourceHeldOut: await score(reference, data.sourceVal),
        };
        if (plan.oracle !== undefined) {
          // Every labelled window of the target's adaptation runs, as shots: the ceiling row.
          const oracle = await findStrategy(plan.oracle).adapt(
            bundle.model,
            { head: data.head, classes: head.classes, step: data.step },
            { source: data.source, target: data.targetAdapt, support: data.targetAdapt },
            { seed, steps: plan.steps },
          );
          row.oracle = await score(oracle);
          oracle.dispose();
        }
        results.references.push(row);
        await hooks.onPartial?.(results);
        for (const strategy of strategies) {
          for (const shots of plan.shots) {
            done += 1;
            if (strategy.needsLabels && shots === 0) {
              results.skipped.push({
                scenario,
                strategy: strategy.name,
                shots,
                reason: 'needs labelled target windows',
              });
              continue;
            }
            // A strategy that does not apply to the task (a probe on a per-row task, G-code
            // self-supervision on anything but motion) refuses with CONFIG_INVALID: a gap, not a failure.
            const pictured = seed === plan.seeds[0] && shots === snapshotShots(plan);
            const cell = await attempt(() =>
              evaluateCell(
                strategy,
                bundle.model,
                data,
                head.classes,
                { scenario, seed, shots, steps: plan.steps },
                pictured
                  ? async (predictor, shotPositions) => {
                      results.snapshots.push(
                        await snapshot(
                          scenario,
                          strategy.name,
                          reference,
                          predictor,
                          data,
                          head.classes,
                          shotPositions,
                        ),
                      );
                    }
                  : undefined,
              ),
            );
            if (typeof cell === 'string') {
              results.skipped.push({ scenario, strategy: strategy.name, shots, reason: cell });
              continue;
            }
            results.cells.push(cell);
            hooks.onCell?.(done, total, cell);
            await hooks.onPartial?.(results);
          }
        }
      }
    } finally {
      bundle.model.dispose();
    }
  }
  return results;
}
