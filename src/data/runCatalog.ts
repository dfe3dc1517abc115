import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AdaptdError } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';

export type Operation = 'face' | 'pocket' | 'adaptive';
export type Variant = 'standard' | '150025';
export type ToolCondition = 'healthy' | 'damaged';

/** One recorded program run, named after its file. */
export interface RunInfo {
  /** File stem without `_aligned` and extension, e.g. `face150025_003`. */
  id: string;
  /** Absolute path of the `.csv.gz` or `.csv` file. */
  file: string;
  /** Name prefix, e.g. `face`, `face150025`, `damagepocket`. */
  group: string;
  operation: Operation;
  variant: Variant;
  tool: ToolCondition;
}

/** A CSV file in the data folder that is not used, and why. */
export interface SkippedFile {
  file: string;
  reason: string;
}

export interface RunScan {
  runs: RunInfo[];
  skipped: SkippedFile[];
}

const RUN_FILE = /^(damage)?(face|pocket|adaptive)(150025)?_(\d{3})(_aligned)?\.csv(\.gz)?$/;

/** Classifies a file name; undefined when it does not follow the data set's naming scheme. */
/**
 * The G-code program a run executed, as a program id: the operation, with `150025` for the
 * 150025 programs (damaged-tool runs ran those too), e.g. `face` or `pocket150025`.
 */
export function programOf(run: Pick<RunInfo, 'operation' | 'variant'>): string {
  return `${run.operation}${run.variant === '150025' ? '150025' : ''}`;
}

export function parseRunFileName(name: string): Omit<RunInfo, 'file'> | undefined {
  const match = RUN_FILE.exec(name);
  if (match === null) return undefined;
  const [, damage, operation, variant, number] = match;
  // SOURCE.md: the damage groups ran the 150025 programs, so a `damage…150025` name is no
  // group of the data set and is refused rather than guessed at.
  if (damage !== undefined && variant !== undefined) return undefined;
  return {
    id: `${damage ?? ''}${operation}${variant ?? ''}_${number}`,
    group: `${damage ?? ''}${operation}${variant ?? ''}`,
    operation: operation as Operation,
    variant: damage !== undefined || variant !== undefined ? '150025' : 'standard',
    tool: damage === undefined ? 'healthy' : 'damaged',
  };
}

/**
 * Every run in `folder`, sorted by id, and every CSV file that was left out. Files that
 * are not CSV (SOURCE.md, SHA256SUMS) and hidden files (the downloader's partial files)
 * are not data and are passed over silently.
 */
export async function scanRuns(folder: string): Promise<RunScan> {
  const absolute = resolve(folder);
  let names: string[];
  try {
    names = await readdir(absolute);
  } catch (error) {
    throw new AdaptdError(
      'DATA_NOT_FOUND',
      `data folder ${absolute} cannot be read; fetch the recorded runs with ` +
        `\`adaptd data download --out ${absolute}\` or point ADAPTD_DATA_DIR at a copy`,
      { cause: error, context: { folder: absolute } },
    );
  }
  const byId = new Map<string, RunInfo>();
  const skipped: SkippedFile[] = [];
  for (const name of names.sort()) {
    if (name.startsWith('.') || !/\.csv(\.gz)?$/.test(name)) continue;
    const file = join(absolute, name);
    const parsed = parseRunFileName(name);
    if (parsed === undefined) {
      skipped.push({ file, reason: 'name is not <group>_<NNN>[_aligned].csv[.gz]' });
      continue;
    }
    if (!(await stat(file)).isFile()) {
      skipped.push({ file, reason: 'not a regular file' });
      continue;
    }
    const earlier = byId.get(parsed.id);
    if (earlier !== undefined) {
      // Sorted names put `x.csv` before `x.csv.gz`; the compressed copy is the one the
      // downloader verifies, so it wins.
      const keepNew = name.endsWith('.gz') && !earlier.file.endsWith('.gz');
      skipped.push({
        file: keepNew ? earlier.file : file,
        reason: `second file for run ${parsed.id}`,
      });
      if (!keepNew) continue;
    }
    byId.set(parsed.id, { ...parsed, file });
  }
  const runs = [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { runs, skipped };
}

/** The runs in `folder` sorted by id; files left out are logged as warnings. */
export async function listRuns(folder: string, logger: Logger = silentLogger): Promise<RunInfo[]> {
  const { runs, skipped } = await scanRuns(folder);
  for (const entry of skipped) logger.warn(entry, 'data file left out');
  return runs;
}

function findRepoRoot(start: string): string {
  let folder = start;
  while (!existsSync(join(folder, 'package.json'))) {
    const parent = dirname(folder);
    if (parent === folder) return start;
    folder = parent;
  }
  return folder;
}

/** ADAPTD_DATA_DIR, else the shared data set beside the repository. */
export function defaultDataDir(): string {
  const fromEnv = process.env.ADAPTD_DATA_DIR;
  if (fromEnv !== undefined && fromEnv !== '') return resolve(fromEnv);
  const root = findRepoRoot(dirname(fileURLToPath(import.meta.url)));
  return resolve(root, '..', 'shared', 'datasets', 'cnc-gcode-sensors');
}
