import type { CellResult } from './evaluateCell.js';
import type { EvaluationResults } from './evaluationRun.js';

function meanAndSpread(values: number[]): string {
  if (values.length === 0) return '-';
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  if (values.length === 1) return mean.toFixed(3);
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1));
  return `${mean.toFixed(3)} ± ${sd.toFixed(3)}`;
}

function cellsOf(
  results: EvaluationResults,
  scenario: string,
  strategy: string,
  shots: number,
): CellResult[] {
  return results.cells.filter(
    (c) => c.scenario === scenario && c.strategy === strategy && c.shots === shots,
  );
}

/**
 * Model selection per scenario, shots and seed: the strategy chosen by the held-back
 * labelled target runs, and the one chosen label-free by lowest prediction entropy,
 * each with the test score it then gets.
 */
function selectionRows(results: EvaluationResults, scenario: string): string[] {
  const rows: string[] = [];
  for (const shots of results.plan.shots) {
    const byCheck: number[] = [];
    const byEntropy: number[] = [];
    const chosen: string[] = [];
    for (const seed of results.plan.seeds) {
      const cells = results.cells.filter(
        (c) => c.scenario === scenario && c.shots === shots && c.seed === seed,
      );
      if (cells.length === 0) continue;
      const check = cells.reduce((a, b) => (b.check > a.check ? b : a));
      const entropy = cells.reduce((a, b) => (b.entropy < a.entropy ? b : a));
      byCheck.push(check.test);
      byEntropy.push(entropy.test);
      chosen.push(`${check.strategy}/${entropy.strategy}`);
    }
    if (byCheck.length === 0) continue;
    rows.push(
      `| ${shots} | ${meanAndSpread(byCheck)} | ${meanAndSpread(byEntropy)} | ${chosen.join(', ')} |`,
    );
  }
  return rows;
}

/**
 * The same cells after a causal vote within each target test run, for the cells that have
 * it (window tasks, evaluated since the vote was added); none if no cell has it.
 */
function runVoteRows(results: EvaluationResults, scenario: string): string[] {
  const { plan } = results;
  const voted = (cells: CellResult[]): number[] =>
    cells.flatMap((c) => (c.testRunVote === undefined ? [] : [c.testRunVote]));
  const refs = results.references.flatMap((r) =>
    r.scenario === scenario && r.sourceOnlyRunVote !== undefined ? [r.sourceOnlyRunVote] : [],
  );
  const rows: string[] = [];
  for (const strategy of plan.strategies) {
    const cells = plan.shots.map((shots) => voted(cellsOf(results, scenario, strategy, shots)));
    if (cells.every((c) => c.length === 0)) continue;
    rows.push(`| ${strategy} | ${cells.map((c) => meanAndSpread(c)).join(' | ')} |`);
  }
  if (rows.length === 0 && refs.length === 0) return [];
  return [
    "Each window voted within its run (the class of the mean probabilities of the run's windows " +
      'up to and including it; the operation and the tool do not change while a run lasts), ' +
      'mean ± standard deviation over the seeds that have it:',
    '',
    `| strategy | ${plan.shots.map((s) => `${s} shots`).join(' | ')} |`,
    `| --- |${plan.shots.map(() => ' --- |').join('')}`,
    ...(refs.length === 0
      ? []
      : [`| source only | ${plan.shots.map(() => meanAndSpread(refs)).join(' | ')} |`]),
    ...rows,
    '',
  ];
}

/** The Markdown results: balanced accuracy on target test runs, mean ± standard deviation over seeds. */
export function resultsTable(results: EvaluationResults, command: string): string {
  const { plan } = results;
  const lines = [
    '# Evaluation results',
    '',
    `Command: \`${command}\``,
    '',
    'Balanced accuracy on target test runs that no strategy saw, mean ± standard deviation over ' +
      `seeds ${plan.seeds.join(', ')} (each seed re-splits the target runs, redraws the shots and ` +
      're-initialises the strategy). Shots are labelled target windows per class, drawn from the ' +
      'adaptation runs. Motion commands are scored per row on the last 16 rows of each window.',
  ];
  for (const scenario of plan.scenarios) {
    const refs = results.references.filter((r) => r.scenario === scenario);
    lines.push(
      '',
      `## ${scenario} (source model ${results.sourceModels[scenario] ?? '?'})`,
      '',
      `| strategy | ${plan.shots.map((s) => `${s} shots`).join(' | ')} | trainable parameters |`,
      `| --- |${plan.shots.map(() => ' --- |').join('')} --- |`,
      `| source only | ${plan.shots.map(() => meanAndSpread(refs.map((r) => r.sourceOnly))).join(' | ')} | 0 |`,
    );
    if (refs.some((r) => r.oracle !== undefined)) {
      const oracle = meanAndSpread(refs.flatMap((r) => (r.oracle === undefined ? [] : [r.oracle])));
      lines.push(
        `| target oracle (${plan.oracle ?? ''}, all adaptation-run labels) | ${plan.shots.map(() => oracle).join(' | ')} | - |`,
      );
    }
    for (const strategy of plan.strategies) {
      const cells = plan.shots.map((shots) => cellsOf(results, scenario, strategy, shots));
      const parameters = cells.flat()[0]?.trainableParameters ?? 0;
      lines.push(
        `| ${strategy} | ${cells.map((c) => meanAndSpread(c.map((x) => x.test))).join(' | ')} | ${parameters} |`,
      );
    }
    lines.push(
      '',
      ...runVoteRows(results, scenario),
      `Source model on held-out source runs: ${meanAndSpread(refs.map((r) => r.sourceHeldOut))}.`,
      '',
      'Model selection (test score of the strategy chosen per seed):',
      '',
      '| shots | chosen on labelled target check runs | chosen label-free (lowest entropy) | choices (check/entropy) |',
      '| --- | --- | --- | --- |',
      ...selectionRows(results, scenario),
    );
  }
  if (results.skipped.length > 0) {
    lines.push('', 'Not run:', '');
    for (const s of results.skipped)
      lines.push(`- ${s.scenario} ${s.strategy} at ${s.shots} shots: ${s.reason}`);
  }
  return `${lines.join('\n')}\n`;
}
