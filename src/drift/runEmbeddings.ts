import { listRuns, type RunInfo } from '../data/runCatalog.js';
import { readRun } from '../data/runReader.js';
import { buildWindowSet } from '../data/windows.js';
import { AdaptdError } from '../errors.js';
import { labelledWindows, type ModelBundle } from '../model/modelBundle.js';
import { predictWindows } from '../model/predictWindows.js';

/** One recorded run's window embeddings in stream order. */
export interface RunEmbeddings {
  run: RunInfo;
  /** [windows, units] row-major, windows by start row. */
  embeddings: Float32Array;
}

/**
 * Picks runs by id or by group name (`damageface` means every run of that group), in the
 * order given, each once. DATA_NOT_FOUND names what matched nothing.
 */
export function selectRuns(available: readonly RunInfo[], names: readonly string[]): RunInfo[] {
  const chosen: RunInfo[] = [];
  const missing: string[] = [];
  for (const name of names) {
    const matches = available.filter((run) => run.id === name || run.group === name);
    if (matches.length === 0) missing.push(name);
    for (const run of matches) if (!chosen.includes(run)) chosen.push(run);
  }
  if (missing.length > 0) {
    throw new AdaptdError(
      'DATA_NOT_FOUND',
      `no recorded run or group named ${missing.join(', ')}; runs are named like face_001 and ` +
        `groups like ${[...new Set(available.map((run) => run.group))].slice(0, 4).join(', ')}`,
      { context: { missing } },
    );
  }
  return chosen;
}

/**
 * Embeds the windows of the named runs with the bundle's model, cut as the daemon cuts
 * them (the artifact's window length and stride, schema and normaliser), run by run.
 */
export async function embedRuns(
  bundle: ModelBundle,
  dataDir: string,
  names: readonly string[],
): Promise<RunEmbeddings[]> {
  const runs = selectRuns(await listRuns(dataDir), names);
  const frames = [];
  for (const run of runs) frames.push(await readRun(run));
  const set = buildWindowSet(frames, bundle.schema, bundle.normaliser, bundle.window);
  const { embeddings } = await predictWindows(bundle.model, labelledWindows(set));
  const units = bundle.model.config.recurrentUnits;
  return runs.map((run, r) => {
    const windows = [...set.windowRun.keys()]
      .filter((w) => set.windowRun[w] === r)
      .sort((a, b) => set.windowStart[a]! - set.windowStart[b]!);
    const out = new Float32Array(windows.length * units);
    windows.forEach((w, k) => out.set(embeddings.subarray(w * units, (w + 1) * units), k * units));
    return { run, embeddings: out };
  });
}
