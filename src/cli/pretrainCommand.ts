import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { MODALITIES, type Modality } from '../data/channelNames.js';
import { defaultDataDir } from '../data/runCatalog.js';
import { SCENARIO_NAMES, type ScenarioName } from '../data/scenarios.js';
import { createLogger } from '../log.js';
import { selectBackend, type BackendPreference } from '../model/backend/selectBackend.js';
import {
  SHIPPED_HOLDOUT_WINDOWS,
  SOURCE_HOLDOUT_DOCUMENT,
  evenlySpaced,
  sourceHoldoutDocument,
} from '../adaptation/sourceHoldout.js';
import { labelledWindows, saveModelBundle } from '../model/modelBundle.js';
import { DEFAULT_MODALITIES, pretrainModel } from '../model/pretrainModel.js';
import { pretrainMetrics, pretrainReport } from '../model/pretrainReport.js';
import { embeddingReference } from '../model/embeddingReference.js';
import {
  listOf,
  nonNegativeInteger,
  oneOf,
  positiveInteger,
  positiveNumber,
} from './argumentParsers.js';

interface PretrainFlags {
  data: string;
  scenario: ScenarioName;
  out: string;
  seed: number;
  epochs: number;
  patience: number;
  batchSize: number;
  learningRate: number;
  width: number;
  blocks: number;
  recurrentUnits: number;
  trainStride: number;
  modalities: Modality[];
  resume: boolean;
  backend: BackendPreference;
}

/** `adaptd pretrain`: trains the source model on a scenario's source runs and saves the artifact. */
export function registerPretrainCommand(program: Command): void {
  program
    .command('pretrain')
    .description("train the source model on a scenario's source runs and write a model artifact")
    .option('--data <folder>', 'folder of recorded runs', defaultDataDir())
    .option(
      '--scenario <name>',
      'scenario whose source runs to train on',
      oneOf(SCENARIO_NAMES),
      'S1',
    )
    .requiredOption('--out <dir>', 'artifact folder to write (replaced atomically)')
    .option('--seed <n>', 'seed of split, initialisation and batches', nonNegativeInteger, 1)
    .option('--epochs <n>', 'most epochs', positiveInteger, 40)
    .option('--patience <n>', 'epochs without improvement before stopping', positiveInteger, 8)
    .option('--batch-size <n>', 'windows per training step', positiveInteger, 32)
    .option('--learning-rate <x>', 'Adam learning rate', positiveNumber, 2e-3)
    .option('--width <n>', 'token width', positiveInteger, 64)
    .option('--blocks <n>', 'transformer blocks', positiveInteger, 2)
    .option('--recurrent-units <n>', 'GRU units (embedding size)', positiveInteger, 64)
    .option('--train-stride <n>', 'rows between training window starts', positiveInteger, 8)
    .option('--modalities <list>', 'modalities to read', listOf(MODALITIES), DEFAULT_MODALITIES)
    .option('--resume', 'continue from <out>.checkpoint if present', false)
    .option(
      '--backend <name>',
      'auto, tensorflow, wasm or cpu',
      oneOf(['auto', 'tensorflow', 'wasm', 'cpu'] as const),
      'auto',
    )
    .action(async (flags: PretrainFlags) => {
      const logger = createLogger({ destination: process.stderr });
      await selectBackend({ prefer: flags.backend, logger });
      const command = ['adaptd', ...process.argv.slice(2)].join(' ');
      const bar = new SingleBar({
        format: 'epoch {epoch} [{bar}] {value}/{total} steps | loss {loss} | best score {best}',
        stream: process.stderr,
      });
      let best = 0;
      const outcome = await pretrainModel({
        dataDir: flags.data,
        scenario: flags.scenario,
        seed: flags.seed,
        modalities: flags.modalities,
        width: flags.width,
        blocks: flags.blocks,
        recurrentUnits: flags.recurrentUnits,
        windowLength: 64,
        trainStride: flags.trainStride,
        evalStride: 16,
        settings: {
          epochs: flags.epochs,
          batchSize: flags.batchSize,
          learningRate: flags.learningRate,
          patience: flags.patience,
          tokenMaskShare: 0.15,
          reconstructionWeight: 0.5,
          headWeights: {
            operation: 1,
            motion: 1,
            feedBand: 0.5,
            gcodeType: 0.25,
            gcodeCommand: 0.25,
            gcodeParameter: 0.25,
            gcodeValue: 0.25,
          },
          augmentation: { noise: 0.05, unitDropChance: 0.3, unitDropShare: 0.3 },
        },
        checkpointDir: flags.resume ? `${flags.out}.checkpoint` : undefined,
        logger,
        onStep: (p) => {
          if (p.step === 1)
            bar.start(p.steps, 0, { epoch: p.epoch, loss: '-', best: best.toFixed(3) });
          bar.update(p.step, { epoch: p.epoch, loss: p.loss.toFixed(3), best: best.toFixed(3) });
        },
        onEpoch: (record) => {
          bar.stop();
          best = Math.max(best, record.score);
          logger.info(record, 'epoch finished');
        },
      });
      const metrics = await pretrainMetrics(outcome);
      const report = pretrainReport(outcome, metrics, command);
      const reference = await embeddingReference(
        outcome.model,
        outcome.sets.validation,
        flags.seed,
      );
      const holdout = labelledWindows(outcome.sets.validation);
      await saveModelBundle(
        flags.out,
        {
          model: outcome.model,
          schema: outcome.schema,
          normaliser: outcome.normaliser,
          window: { length: 64, stride: 16 },
        },
        {
          version: `${flags.scenario.toLowerCase()}-seed${flags.seed}`,
          command,
          trainingData: outcome.trainingData,
          documents: {
            'metrics.json': metrics,
            'training.json': { history: outcome.history, flags },
            'split.json': Object.fromEntries(
              Object.entries(outcome.split).map(([part, runs]: [string, { id: string }[]]) => [
                part,
                runs.map((r) => r.id),
              ]),
            ),
            'drift.json': reference,
            // Labelled windows of the held-out source runs for the daemon's source gate.
            [SOURCE_HOLDOUT_DOCUMENT]: sourceHoldoutDocument(
              holdout,
              evenlySpaced(holdout.count, SHIPPED_HOLDOUT_WINDOWS),
              outcome.split.sourceVal.map((run) => run.id),
            ),
          },
          texts: { 'report.md': report },
        },
      );
      process.stdout.write(report);
      outcome.model.dispose();
    });
}
