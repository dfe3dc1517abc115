import type { Command } from 'commander';
import { defaultDataDir, programOf } from '../data/runCatalog.js';
import { calibrateArtifact } from '../drift/calibrateArtifact.js';
import { parseDriftDocument, type ReplayCheck } from '../drift/driftDocument.js';
import { domainClassifierScore, type DomainScore } from '../drift/domainClassifier.js';
import { DriftMonitor } from '../drift/driftMonitor.js';
import { replayRuns, type ReplayOutcome } from '../drift/replayRuns.js';
import { embedRuns } from '../drift/runEmbeddings.js';
import { createLogger } from '../log.js';
import { selectBackend, type BackendPreference } from '../model/backend/selectBackend.js';
import { loadModelBundle } from '../model/modelBundle.js';
import { nonNegativeInteger, oneOf, positiveInteger } from './argumentParsers.js';
import type { CommandOutput } from './dataCommand.js';

interface CalibrateFlags {
  model: string;
  data: string;
  ert: number[];
  window: number;
  streams?: number;
  seed: number;
  runs?: string[];
  backend: BackendPreference;
}

interface ReplayFlags {
  model: string;
  data: string;
  runs: string[];
  ert?: number;
  programs: boolean;
  resetOnAlarm: boolean;
  json: boolean;
  domain: boolean;
  backend: BackendPreference;
}

interface ReplayedRun {
  id: string;
  windows: number;
  /** Each run's windows against the reference, when asked for. */
  domain?: DomainScore;
}

const BACKENDS = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
const names = (text: string): string[] => text.split(',').map((item) => item.trim());
const erts = (text: string): number[] => names(text).map((item) => positiveInteger(item));

/** `adaptd drift calibrate|replay`: ship drift thresholds with a model and try them on runs. */
export function registerDriftCommand(
  program: Command,
  output: CommandOutput = { stdout: process.stdout, stderr: process.stderr },
): void {
  const { stdout, stderr } = output;
  const drift = program.command('drift').description('calibrate and replay drift detection');
  drift
    .command('calibrate')
    .description("calibrate a model's drift thresholds on held-out source runs and rewrite it")
    .requiredOption('--model <dir>', 'model artifact folder (rewritten atomically)')
    .option('--data <folder>', 'folder of recorded runs', defaultDataDir())
    .option(
      '--ert <list>',
      'expected windows between false alarms; the first is default',
      erts,
      [1000],
    )
    .option('--window <n>', 'recent windows compared with the reference', positiveInteger, 32)
    .option('--streams <n>', 'bootstrap streams (default 20 x the largest ERT)', positiveInteger)
    .option('--seed <n>', 'seed of run roles and bootstrap', nonNegativeInteger, 1)
    .option('--runs <list>', "held-out source runs (default: the artifact's split.json)", names)
    .option('--backend <name>', 'auto, tensorflow, wasm or cpu', oneOf(BACKENDS), 'auto')
    .action(async (flags: CalibrateFlags) => {
      const logger = createLogger({ destination: stderr, level: 'warn' });
      await selectBackend({ prefer: flags.backend, logger });
      const { document, checks, roles } = await calibrateArtifact({
        modelDir: flags.model,
        dataDir: flags.data,
        erts: flags.ert,
        window: flags.window,
        streams: flags.streams,
        seed: flags.seed,
        runs: flags.runs,
        logger,
      });
      const thresholds = document.thresholds!;
      const lines = [
        `reference: ${document.embeddings.length} windows of ${roles.reference.join(', ')}`,
        `calibration: ${thresholds.streams} streams of whole runs from ${roles.calibration.join(', ')}`,
        `replay check on ${roles.replay.join(', ')}, reset after each alarm; pooled: the same ` +
          `with the run roles rotated (every held-out run replayed once):`,
        ...thresholds.levels.map((level) => {
          const own = checks.filter((c) => c.ert === level.ert && c.rotation === 0);
          const all = checks.filter((c) => c.ert === level.ert);
          return (
            `  ERT ${level.ert}: threshold ${level.threshold.toPrecision(4)}; ` +
            `shipped ${falseAlarms(own)}; pooled ${falseAlarms(all)}; target rate ` +
            `${(1 / level.ert).toFixed(4)}` +
            (level.saturatedSteps > 0
              ? `\n    warning: at ${level.saturatedSteps} of ${level.curve.length} steps no ` +
                `bootstrap stream exceeded the threshold; the calibration runs are too few ` +
                `to resolve ERT ${level.ert}, and the threshold is their maximum`
              : '')
          );
        }),
      ];
      stdout.write(`${lines.join('\n')}\n`);
    });
  drift
    .command('replay')
    .description("stream recorded runs' embeddings through the drift monitor")
    .requiredOption('--model <dir>', 'calibrated model artifact folder')
    .option('--data <folder>', 'folder of recorded runs', defaultDataDir())
    .requiredOption(
      '--runs <list>',
      'runs or groups in order; held-out = the calibration replay',
      names,
    )
    .option('--ert <n>', 'calibrated level to alarm at (default: the first)', positiveInteger)
    .option('--programs', "announce each run's G-code program as its program id", false)
    .option('--reset-on-alarm', 'reset the monitor after each alarm', false)
    .option('--json', 'print the outcome as JSON', false)
    .option(
      '--domain',
      "score each run's windows against the reference by domain classifier",
      false,
    )
    .option('--backend <name>', 'auto, tensorflow, wasm or cpu', oneOf(BACKENDS), 'auto')
    .action(async (flags: ReplayFlags) => {
      const logger = createLogger({ destination: stderr, level: 'warn' });
      await selectBackend({ prefer: flags.backend, logger });
      const bundle = await loadModelBundle(flags.model);
      const doc = parseDriftDocument(bundle.documents['drift.json']);
      const monitor = DriftMonitor.fromDocument(doc, { ert: flags.ert });
      const heldOut = doc.thresholds?.replay?.[0]?.runs ?? [];
      const runs = flags.runs.flatMap((name) => (name === 'held-out' ? heldOut : [name]));
      const embedded = await embedRuns(bundle, flags.data, runs);
      bundle.model.dispose();
      const outcome = replayRuns(
        monitor,
        embedded.map(({ run, embeddings }) => ({
          id: run.id,
          embeddings,
          ...(flags.programs ? { context: { programId: programOf(run) } } : {}),
        })),
        { resetOnAlarm: flags.resetOnAlarm },
      );
      const reference = Float32Array.from(doc.embeddings.flat());
      const windows = embedded.map((e): ReplayedRun => {
        const count = e.embeddings.length / doc.units;
        const scored = flags.domain && count >= 5;
        return {
          id: e.run.id,
          windows: count,
          ...(scored ? { domain: domainClassifierScore(reference, e.embeddings, doc.units) } : {}),
        };
      });
      stdout.write(
        flags.json
          ? `${JSON.stringify({ ert: monitor.ert, window: doc.thresholds!.window, runs: windows, ...outcome })}\n`
          : replaySummary(monitor.ert, windows, outcome),
      );
    });
}

function falseAlarms(checks: readonly ReplayCheck[]): string {
  const alarms = checks.reduce((sum, c) => sum + c.alarms, 0);
  const steps = checks.reduce((sum, c) => sum + c.steps, 0);
  return `${alarms} false alarms in ${steps} windows (rate ${(alarms / Math.max(1, steps)).toFixed(4)})`;
}

function replaySummary(ert: number, runs: readonly ReplayedRun[], outcome: ReplayOutcome): string {
  const first = outcome.alarms[0];
  const lines = [
    `ERT ${ert}: ${outcome.steps} windows over ${runs.length} runs, ` +
      `${outcome.monitoredSteps} with a statistic, ${outcome.alarms.length} alarms`,
    first === undefined
      ? 'no alarm'
      : `first alarm at window ${first.step}: window ${first.runStep} of ${first.run}` +
        (first.explained === undefined ? '' : ` (explained by ${first.explained} change)`),
    ...runs.map((run) => {
      const alarms = outcome.alarms.filter((a) => a.run === run.id);
      const at = alarms.map((a) => a.runStep + (a.explained === undefined ? '' : `*`));
      const domain =
        run.domain === undefined
          ? ''
          : `; domain AUROC ${run.domain.auroc.toFixed(3)} (shuffled-label 95%: ` +
            `${run.domain.nullAuroc.toFixed(3)}), proxy A-distance ` +
            `${run.domain.proxyADistance.toFixed(2)}`;
      return `  ${run.id}: ${run.windows} windows, alarms at ${at.join(', ') || '-'}${domain}`;
    }),
  ];
  return `${lines.join('\n')}\n`;
}
