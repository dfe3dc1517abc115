import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { MODALITIES, type Modality } from '../data/channelNames.js';
import { defaultDataDir } from '../data/runCatalog.js';
import { SCENARIO_NAMES, type ScenarioName } from '../data/scenarios.js';
import { runEvaluation, type EvaluationResults } from '../evaluation/evaluationRun.js';
import { resultsTable } from '../evaluation/resultsTable.js';
import { evaluationPlots } from '../evaluation/plots/evaluationPlots.js';
import { createLogger } from '../log.js';
import { selectBackend, type BackendPreference } from '../model/backend/selectBackend.js';
import { strategyNames } from '../strategies/registry.js';
import { listOf, nonNegativeInteger, oneOf, positiveInteger } from './argumentParsers.js';

interface EvaluateFlags {
  data: string;
  scenarios: ScenarioName[];
  strategies?: string[];
  seeds: number;
  firstSeed: number;
  shots: string;
  out?: string;
  models: string;
  cache: string;
  pretrainEpochs: number;
  steps?: number;
  quick: boolean;
  backend: BackendPreference;
  modalities?: Modality[];
  oracle: boolean;
}

/**
 * Writes results.json and results.md; `partial` marks a run still going (or cut short),
 * whose files hold the cells finished so far. Returns the Markdown table.
 */
export async function writeResults(
  out: string,
  command: string,
  results: EvaluationResults,
  partial: boolean,
): Promise<string> {
  await mkdir(out, { recursive: true });
  // Embedding snapshots feed the plots only (undefined is left out of the JSON).
  const written = { ...results, snapshots: undefined };
  const date = new Date().toISOString();
  await writeFile(
    join(out, 'results.json'),
    `${JSON.stringify({ command, date, partial, ...written }, null, 1)}\n`,
  );
  const table = resultsTable(results, command);
  const note = partial
    ? `> Partial results written ${date}: the run had not finished; cells not yet run are empty.\n\n`
    : '';
  await writeFile(join(out, 'results.md'), note + table);
  return table;
}

const numberList = (text: string): number[] =>
  text.split(',').map((part) => nonNegativeInteger(part.trim()));

/** `adaptd evaluate`: every strategy on the recorded scenarios, split by run, several seeds. */
export function registerEvaluateCommand(program: Command): void {
  program
    .command('evaluate')
    .description('measure every transfer strategy on the recorded scenarios and write the results')
    .option('--data <folder>', 'folder of recorded runs', defaultDataDir())
    .option('--scenarios <list>', 'scenarios to run', listOf(SCENARIO_NAMES), [...SCENARIO_NAMES])
    .option('--strategies <list>', 'strategies to run (default: all registered)', (t: string) =>
      t.split(',').map((s) => s.trim()),
    )
    .option('--seeds <n>', 'number of seeds (first..first+n-1)', positiveInteger, 3)
    .option(
      '--first-seed <n>',
      'first seed (seeds can run in separate processes)',
      positiveInteger,
      1,
    )
    .option('--shots <list>', 'labelled target windows per class', '0,1,5,10')
    .option(
      '--out <dir>',
      'folder for results.json and results.md (default reports/evaluation; with --quick ' +
        '.cache/evaluation-quick, so a CI run leaves the committed results alone)',
    )
    .option('--models <dir>', 'committed source models', 'models')
    .option('--cache <dir>', 'where source models pretrained here are kept', '.cache/source-models')
    .option(
      '--pretrain-epochs <n>',
      'epochs for source models pretrained here',
      positiveInteger,
      20,
    )
    .option(
      '--modalities <list>',
      'modalities of source models pretrained here (default: the pretraining default)',
      listOf(MODALITIES),
    )
    .option('--no-oracle', 'skip the target-oracle reference row (e.g. when adding a strategy)')
    .option('--steps <n>', 'optimiser steps per strategy run', positiveInteger)
    .option('--quick', 'CI-sized run: S1 only, 1 seed, shots 0 and 5, few steps', false)
    .option(
      '--backend <name>',
      'auto, tensorflow, wasm or cpu',
      oneOf(['auto', 'tensorflow', 'wasm', 'cpu'] as const),
      'auto',
    )
    .action(async (flags: EvaluateFlags) => {
      const logger = createLogger({ destination: process.stderr, level: 'warn' });
      await selectBackend({ prefer: flags.backend, logger });
      const command = ['adaptd', ...process.argv.slice(2)].join(' ');
      const out = flags.out ?? (flags.quick ? '.cache/evaluation-quick' : 'reports/evaluation');
      const plan = {
        scenarios: flags.quick ? (['S1'] as ScenarioName[]) : flags.scenarios,
        strategies: flags.strategies ?? strategyNames(),
        seeds: Array.from({ length: flags.quick ? 1 : flags.seeds }, (_, i) => i + flags.firstSeed),
        shots: flags.quick ? [0, 5] : numberList(flags.shots),
        steps: flags.steps ?? (flags.quick ? 30 : undefined),
        oracle: flags.oracle ? 'finetune-llrd' : undefined,
      };
      const bar = new SingleBar({
        format: '[{bar}] {value}/{total} cells | {last}',
        stream: process.stderr,
        // Also into a log file (a long evaluation runs in the background): a line every 10 s.
        noTTYOutput: true,
        notTTYSchedule: 10_000,
      });
      bar.start(
        plan.scenarios.length * plan.strategies.length * plan.seeds.length * plan.shots.length,
        0,
        {
          last: 'starting',
        },
      );
      const results = await runEvaluation(
        plan,
        {
          dataDir: flags.data,
          modelsDir: flags.models,
          cacheDir: flags.cache,
          epochs: flags.quick ? 4 : flags.pretrainEpochs,
          seed: 1,
          modalities: flags.modalities,
          onPretrain: (out) =>
            process.stderr.write(`\npretraining a source model into ${out} (minutes)\n`),
          onPretrainEpoch: (record) =>
            process.stderr.write(
              `\n  epoch ${record.epoch}: loss ${record.loss.toFixed(3)}, ` +
                `early-stopping macro-F1 ${record.score.toFixed(3)} (${record.seconds.toFixed(0)} s)\n`,
            ),
          logger,
        },
        {
          onPartial: async (partial) => {
            await writeResults(out, command, partial, true);
          },
          onCell: (done, _total, cell) =>
            bar.update(done, {
              last: `${cell.scenario} ${cell.strategy} ${cell.shots} shots seed ${cell.seed}: ${cell.test.toFixed(3)}`,
            }),
        },
      );
      bar.stop();
      const table = await writeResults(out, command, results, false);
      for (const [name, svg] of Object.entries(await evaluationPlots(results, results.snapshots))) {
        await writeFile(join(out, name), svg);
      }
      process.stdout.write(table);
    });
}
