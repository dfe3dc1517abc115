import type { RunInfo } from '../data/runCatalog.js';
import { DUPLICATE_GROUPS } from '../data/scenarioSplit.js';
import { seededRandom, shuffled } from '../util/random.js';

/** Held-out source runs split three ways for drift calibration, never sharing a run. */
export interface RunRoles {
  /** Their windows are the reference the monitor compares against. */
  reference: RunInfo[];
  /** The block bootstrap draws its no-drift streams from these. */
  calibration: RunInfo[];
  /** Replayed to check the false-alarm rate the thresholds achieve. */
  replay: RunInfo[];
}

/**
 * Deals each operation's runs in turn to reference, calibration and replay after a seeded
 * shuffle, so every role sees every operation where there are three runs of it. Whole
 * runs, because windows of one run overlap: a run shared by the reference and the
 * calibration would make no-drift streams look closer to the reference than new runs are.
 * Runs that contain one another (DUPLICATE_GROUPS) take one role together.
 */
export function assignRunRoles(runs: readonly RunInfo[], seed: number): RunRoles {
  const roles: RunRoles = { reference: [], calibration: [], replay: [] };
  const order = ['reference', 'calibration', 'replay'] as const;
  const random = seededRandom(seed);
  const operations = [...new Set(runs.map((run) => run.operation))].sort();
  for (const operation of operations) {
    const members = runs.filter((run) => run.operation === operation);
    const units = members.filter((run) => leader(run, members) === run);
    shuffled(units, random).forEach((unit, k) => {
      roles[order[k % order.length]!].push(
        ...members.filter((run) => leader(run, members) === unit),
      );
    });
  }
  return roles;
}

/** The first run of `run`'s duplicate group among `runs`, or the run itself. */
function leader(run: RunInfo, runs: readonly RunInfo[]): RunInfo {
  const group = DUPLICATE_GROUPS.find((ids) => ids.includes(run.id));
  return runs.find((other) => group?.includes(other.id)) ?? run;
}
