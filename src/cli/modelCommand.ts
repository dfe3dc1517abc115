import type { Command } from 'commander';
import {
  SHIPPED_HOLDOUT_WINDOWS,
  SOURCE_HOLDOUT_DOCUMENT,
  packSourceHoldout,
} from '../adaptation/sourceHoldout.js';
import { defaultDataDir } from '../data/runCatalog.js';
import { createLogger } from '../log.js';
import {
  BACKEND_PREFERENCES,
  selectBackend,
  type BackendPreference,
} from '../model/backend/selectBackend.js';
import { loadModelBundle, rewriteModelBundle } from '../model/modelBundle.js';
import { oneOf, positiveInteger } from './argumentParsers.js';
import type { CommandOutput } from './dataCommand.js';

interface HoldoutFlags {
  model: string;
  data: string;
  windows: number;
  backend: BackendPreference;
}

/** `adaptd model holdout`: ship labelled held-out source windows inside a model artifact. */
export function registerModelCommand(
  program: Command,
  output: CommandOutput = { stdout: process.stdout, stderr: process.stderr },
): void {
  const model = program.command('model').description('package model artifacts');
  model
    .command('holdout')
    .description(
      `write ${SOURCE_HOLDOUT_DOCUMENT} (labelled windows of the artifact's held-out source ` +
        'runs, for the source gate of adaptation) into an artifact and rewrite it',
    )
    .requiredOption('--model <dir>', 'model artifact folder (rewritten atomically)')
    .option('--data <folder>', 'folder of recorded runs', defaultDataDir())
    .option(
      '--windows <n>',
      'most windows shipped, evenly spaced over the runs',
      positiveInteger,
      SHIPPED_HOLDOUT_WINDOWS,
    )
    .option('--backend <name>', 'auto, tensorflow, wasm or cpu', oneOf(BACKEND_PREFERENCES), 'auto')
    .action(async (flags: HoldoutFlags) => {
      const logger = createLogger({ destination: output.stderr, level: 'warn' });
      await selectBackend({ prefer: flags.backend, logger });
      const bundle = await loadModelBundle(flags.model);
      try {
        const document = await packSourceHoldout(bundle, flags.data, flags.windows);
        await rewriteModelBundle(flags.model, bundle, { [SOURCE_HOLDOUT_DOCUMENT]: document });
        output.stdout.write(
          `${SOURCE_HOLDOUT_DOCUMENT}: ${document.count} windows of ${document.runs.join(', ')}\n`,
        );
      } finally {
        bundle.model.dispose();
      }
    });
}
