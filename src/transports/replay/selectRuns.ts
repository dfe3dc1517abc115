import type { RunInfo } from '../../data/runCatalog.js';
import { AdaptdError } from '../../errors.js';

/** With no choice given: a source program, a new program, a damaged tool, one run each. */
export const DEFAULT_REPLAY_GROUPS = ['pocket', 'pocket150025', 'damagepocket'] as const;

export interface RunChoice {
  /** Run ids, replayed in the order given. */
  readonly runs?: readonly string[];
  /** Group names (file prefixes such as `face` or `damagepocket`), each group's runs by id. */
  readonly groups?: readonly string[];
}

function unknown(what: string, missing: readonly string[], known: readonly string[]): AdaptdError {
  return new AdaptdError(
    'DATA_NOT_FOUND',
    `${what} ${missing.join(', ')} not in the data folder; it has ${known.join(', ')}`,
    { context: { missing } },
  );
}

/**
 * The runs to replay: those named, else every run of the groups named, else the first run of
 * each default group. Names not in the folder are refused together, listing what is there.
 */
export function selectRuns(available: readonly RunInfo[], choice: RunChoice = {}): RunInfo[] {
  const byId = new Map(available.map((run) => [run.id, run]));
  const groups = [...new Set(available.map((run) => run.group))].sort();
  if (choice.runs !== undefined && choice.runs.length > 0) {
    const missing = choice.runs.filter((id) => !byId.has(id));
    if (missing.length > 0) throw unknown('runs', missing, [...byId.keys()]);
    return choice.runs.map((id) => byId.get(id)!);
  }
  if (choice.groups !== undefined && choice.groups.length > 0) {
    const missing = choice.groups.filter((group) => !groups.includes(group));
    if (missing.length > 0) throw unknown('groups', missing, groups);
    return choice.groups.flatMap((group) => available.filter((run) => run.group === group));
  }
  const picked = DEFAULT_REPLAY_GROUPS.flatMap((group) => {
    const first = available.find((run) => run.group === group);
    return first === undefined ? [] : [first];
  });
  if (picked.length === 0) throw unknown('groups', [...DEFAULT_REPLAY_GROUPS], groups);
  return picked;
}
