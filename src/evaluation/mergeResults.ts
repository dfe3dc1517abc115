import { AdaptdError } from '../errors.js';
import type { ScenarioName } from '../data/scenarios.js';
import type { EvaluationResults, ReferenceResult } from './evaluationRun.js';

/** One written results.json: the results without snapshots, with how they were made. */
export interface WrittenResults extends Omit<EvaluationResults, 'snapshots'> {
  command: string;
  date: string;
  partial?: boolean;
}

/**
 * The part with a strategy shown under another name (e.g. cells of an earlier default
 * kept beside a re-run with the new one).
 */
export function renameStrategy(part: WrittenResults, from: string, to: string): WrittenResults {
  const name = (strategy: string): string => (strategy === from ? to : strategy);
  return {
    ...part,
    plan: { ...part.plan, strategies: part.plan.strategies.map(name) },
    cells: part.cells.map((c) => ({ ...c, strategy: name(c.strategy) })),
    skipped: part.skipped.map((s) => ({ ...s, strategy: name(s.strategy) })),
  };
}

const union = <T>(lists: T[][]): T[] => [...new Set(lists.flat())];

/**
 * Several evaluations of the same data (seeds or strategies run in separate processes)
 * as one: cells are pooled (a cell run twice is an error), reference rows are kept once
 * per scenario and seed (the one with an oracle score when both exist), skipped entries
 * are kept only where no part ran the cell. A scenario must come from one source model.
 */
export function mergeResults(parts: readonly WrittenResults[]): {
  results: EvaluationResults;
  commands: string[];
  partial: boolean;
} {
  const cells = parts.flatMap((p) => p.cells);
  const seen = new Set<string>();
  for (const c of cells) {
    const key = `${c.scenario}|${c.strategy}|${c.seed}|${c.shots}`;
    if (seen.has(key)) {
      throw new AdaptdError('CONFIG_INVALID', `cell ${key} appears in more than one evaluation`);
    }
    seen.add(key);
  }
  const sourceModels: Record<string, string> = {};
  for (const part of parts) {
    for (const [scenario, version] of Object.entries(part.sourceModels)) {
      if (sourceModels[scenario] !== undefined && sourceModels[scenario] !== version) {
        throw new AdaptdError(
          'CONFIG_INVALID',
          `scenario ${scenario} was evaluated with source models ${sourceModels[scenario]} and ${version}`,
        );
      }
      sourceModels[scenario] = version;
    }
  }
  const references = new Map<string, ReferenceResult>();
  for (const row of parts.flatMap((p) => p.references)) {
    const key = `${row.scenario}|${row.seed}`;
    const kept = references.get(key);
    if (kept === undefined || (kept.oracle === undefined && row.oracle !== undefined))
      references.set(key, row);
  }
  const skipped = parts
    .flatMap((p) => p.skipped)
    .filter(
      (s) =>
        !cells.some(
          (c) => c.scenario === s.scenario && c.strategy === s.strategy && c.shots === s.shots,
        ),
    )
    .filter(
      (s, i, all) =>
        all.findIndex(
          (o) => o.scenario === s.scenario && o.strategy === s.strategy && o.shots === s.shots,
        ) === i,
    );
  const oracles = union(parts.map((p) => (p.plan.oracle === undefined ? [] : [p.plan.oracle])));
  return {
    results: {
      plan: {
        scenarios: union(parts.map((p) => p.plan.scenarios)) as ScenarioName[],
        strategies: union(parts.map((p) => p.plan.strategies)),
        seeds: union(parts.map((p) => p.plan.seeds)).sort((a, b) => a - b),
        shots: union(parts.map((p) => p.plan.shots)).sort((a, b) => a - b),
        steps: parts[0]?.plan.steps,
        oracle: oracles[0],
      },
      cells,
      references: [...references.values()],
      skipped,
      sourceModels,
      snapshots: [],
    },
    commands: parts.map((p) => p.command),
    partial: parts.some((p) => p.partial === true),
  };
}
