import { AdaptdError } from '../errors.js';
import { seededRandom, shuffled } from '../util/random.js';
import type { RunInfo } from './runCatalog.js';
import { SCENARIOS, type ScenarioName, type ScenarioSpec } from './scenarios.js';

/** The parts of a scenario, each a list of whole runs. */
export interface ScenarioSplit {
  sourceTrain: RunInfo[];
  sourceVal: RunInfo[];
  /** Unlabelled target runs for adaptation. */
  targetAdapt: RunInfo[];
  /** Labelled target runs for model selection and promotion checks. */
  targetCheck: RunInfo[];
  targetTest: RunInfo[];
}
export type SplitPart = keyof ScenarioSplit;
export const SPLIT_PARTS: readonly SplitPart[] = [
  'sourceTrain',
  'sourceVal',
  'targetAdapt',
  'targetCheck',
  'targetTest',
];

/**
 * Runs that share rows (SOURCE.md: face150025_009 contains all of face150025_008,
 * pocket150025_006 all of pocket150025_005); each group stays in one part.
 */
export const DUPLICATE_GROUPS: readonly (readonly string[])[] = [
  ['face150025_008', 'face150025_009'],
  ['pocket150025_005', 'pocket150025_006'],
];

export interface SplitOptions {
  /** Live boards per run id; required by scenarios that filter on the board set (S3). */
  liveBoards?: ReadonlyMap<string, ReadonlySet<string>>;
}

/** The label a scenario's split is stratified by; motion has no run label, so operation. */
function stratum(spec: ScenarioSpec, run: RunInfo): string {
  return spec.task === 'tool' ? run.tool : run.operation;
}

/** Runs bundled with their duplicates, so that a unit is placed as a whole. */
function units(runs: readonly RunInfo[]): RunInfo[][] {
  const byId = new Map(runs.map((run) => [run.id, run]));
  const placed = new Set<string>();
  const out: RunInfo[][] = [];
  for (const run of runs) {
    if (placed.has(run.id)) continue;
    const group = DUPLICATE_GROUPS.find((ids) => ids.includes(run.id)) ?? [run.id];
    const unit = group.flatMap((id) => byId.get(id) ?? []);
    for (const member of unit) placed.add(member.id);
    out.push(unit);
  }
  return out;
}

/**
 * Deals shuffled units into parts up to each part's quota of runs; a unit that fits
 * nowhere goes to the part furthest below its quota.
 */
function deal(shuffledUnits: RunInfo[][], quotas: number[]): RunInfo[][] {
  const parts = quotas.map((): RunInfo[] => []);
  for (const unit of shuffledUnits) {
    let target = quotas.findIndex((quota, p) => (parts[p]?.length ?? 0) + unit.length <= quota);
    if (target < 0) {
      const deficits = quotas.map((quota, p) => quota - (parts[p]?.length ?? 0));
      target = deficits.indexOf(Math.max(...deficits));
    }
    parts[target]?.push(...unit);
  }
  return parts;
}

/** Quotas [val, train] for n source runs of one class. */
function sourceQuotas(n: number): number[] {
  const val = n >= 2 ? Math.max(1, Math.round(0.2 * n)) : 0;
  return [val, n - val];
}

/** Quotas [test, check, adapt] for n target runs of one class: about 50/20/30, each >= 1. */
function targetQuotas(n: number): number[] {
  if (n <= 1) return [n, 0, 0];
  if (n === 2) return [1, 0, 1];
  const check = Math.max(1, Math.round(0.2 * n));
  const test = Math.max(1, Math.min(Math.round(0.5 * n), n - check - 1));
  return [test, check, n - test - check];
}

function hashName(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

function splitPool(
  spec: ScenarioSpec,
  pool: readonly RunInfo[],
  seed: number,
  side: string,
  quotasOf: (n: number) => number[],
): RunInfo[][] {
  const classes = [...new Set(pool.map((run) => stratum(spec, run)))].sort();
  const parts: RunInfo[][] = [];
  for (const label of classes) {
    const members = pool.filter((run) => stratum(spec, run) === label);
    const random = seededRandom((seed ^ hashName(`${spec.name}/${side}/${label}`)) >>> 0);
    const dealt = deal(shuffled(units(members), random), quotasOf(members.length));
    dealt.forEach((part, p) => (parts[p] = [...(parts[p] ?? []), ...part]));
  }
  return parts.map((part) => part.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)));
}

/**
 * Splits a scenario's runs by run, deterministically from `seed`, stratified by the task's
 * class (operation for S4) so that each class reaches every part where it has enough runs.
 */
export function splitScenario(
  name: ScenarioName,
  runs: readonly RunInfo[],
  seed: number,
  options: SplitOptions = {},
): ScenarioSplit {
  const spec = SCENARIOS[name];
  const boardsOf = (run: RunInfo) => options.liveBoards?.get(run.id);
  if (spec.needsBoards) {
    const unknown = runs.filter((run) => boardsOf(run) === undefined).map((run) => run.id);
    if (options.liveBoards === undefined || unknown.length > 0) {
      throw new AdaptdError(
        'CONFIG_INVALID',
        `scenario ${name} filters on live boards; pass liveBoards for every run (missing: ` +
          `${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? ', …' : ''})`,
        { context: { scenario: name, missing: unknown.length } },
      );
    }
  }
  const source = runs.filter((run) => spec.source(run, boardsOf(run)));
  const target = runs.filter((run) => spec.target(run, boardsOf(run)));
  const [sourceVal = [], sourceTrain = []] = splitPool(spec, source, seed, 'source', sourceQuotas);
  const [targetTest = [], targetCheck = [], targetAdapt = []] = splitPool(
    spec,
    target,
    seed,
    'target',
    targetQuotas,
  );
  const split = { sourceTrain, sourceVal, targetAdapt, targetCheck, targetTest };
  assertSplitDisjoint(split);
  return split;
}

/**
 * Throws INTERNAL if a run appears in two parts (or twice in one) or a duplicate group is
 * spread over more than one part: either would let test rows leak into training.
 */
export function assertSplitDisjoint(split: ScenarioSplit): void {
  const partOf = new Map<string, SplitPart>();
  for (const part of SPLIT_PARTS) {
    for (const run of split[part]) {
      const earlier = partOf.get(run.id);
      if (earlier !== undefined) {
        throw new AdaptdError('INTERNAL', `run ${run.id} is in both ${earlier} and ${part}`, {
          context: { run: run.id, parts: [earlier, part] },
        });
      }
      partOf.set(run.id, part);
    }
  }
  for (const group of DUPLICATE_GROUPS) {
    const parts = new Set(group.flatMap((id) => partOf.get(id) ?? []));
    if (parts.size > 1) {
      throw new AdaptdError(
        'INTERNAL',
        `duplicate runs ${group.join(' and ')} are split over ${[...parts].join(' and ')}`,
        {
          context: { group, parts: [...parts] },
        },
      );
    }
  }
}
