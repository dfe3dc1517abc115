import { InvalidArgumentError, type Command } from 'commander';
import { createLogger } from '../log.js';
import { downloadDataset, DEFAULT_BASE_URL } from '../data/download.js';
import { defaultDataDir } from '../data/runCatalog.js';
import { summariseData } from '../data/summary.js';
import { formatSummary } from '../data/summaryFormat.js';

function integer(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new InvalidArgumentError(`'${text}' is not a non-negative integer`);
  }
  return value;
}

interface SummaryFlags {
  data: string;
  seed: number;
  json?: boolean;
}

interface DownloadFlags {
  out: string;
  baseUrl: string;
}

/** Where the commands write; tests pass their own. */
export interface CommandOutput {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** `adaptd data summary` and `adaptd data download`. */
export function registerDataCommand(
  program: Command,
  output: CommandOutput = { stdout: process.stdout, stderr: process.stderr },
): void {
  const { stdout, stderr } = output;
  const data = program.command('data').description('inspect or fetch the recorded CNC runs');

  data
    .command('summary')
    .description('runs, windows, channels, dead boards and scenario split balance of a data folder')
    .option('--data <folder>', 'folder of recorded runs', defaultDataDir())
    .option('--seed <n>', 'seed of the scenario splits', integer, 0)
    .option('--json', 'print JSON instead of tables')
    .action(async (flags: SummaryFlags) => {
      const logger = createLogger({ destination: stderr, level: 'warn' });
      const summary = await summariseData({ folder: flags.data, seed: flags.seed, logger });
      stdout.write(
        flags.json === true ? `${JSON.stringify(summary, null, 2)}\n` : formatSummary(summary),
      );
    });

  data
    .command('download')
    .description('fetch the public data set, verify every file against the manifest, gzip it')
    .requiredOption('--out <folder>', 'folder to write <run>_aligned.csv.gz files into')
    .option('--base-url <url>', 'where the original CSV files are served', DEFAULT_BASE_URL)
    .action(async (flags: DownloadFlags) => {
      const logger = createLogger({ destination: stderr, level: 'warn' });
      const result = await downloadDataset({
        out: flags.out,
        baseUrl: flags.baseUrl,
        logger,
        onProgress: (event) => {
          const note =
            event.status === 'retrying' ? ` (attempt ${event.attempt}: ${event.reason})` : '';
          stderr.write(`[${event.index}/${event.total}] ${event.file} ${event.status}${note}\n`);
        },
      });
      stdout.write(
        `${result.downloaded.length} files downloaded, ${result.present.length} already present in ${flags.out}\n`,
      );
    });
}
