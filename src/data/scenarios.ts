import type { RunInfo } from './runCatalog.js';

export type ScenarioName = 'S1' | 'S1r' | 'S2' | 'S2a' | 'S3' | 'S4';
export const SCENARIO_NAMES: readonly ScenarioName[] = ['S1', 'S1r', 'S2', 'S2a', 'S3', 'S4'];

/** What the model predicts in a scenario: a run label, or the motion command per window. */
export type ScenarioTask = 'operation' | 'tool' | 'motion';

/** Boards that log in every S3 source run; S3 target runs lack at least one of them. */
export const S3_REQUIRED_BOARDS: readonly string[] = ['xa_motor', 'y_bed__1'];

/**
 * A run filter. `liveBoards` (the boards that really logged in the run, from
 * `inspectRun`) is only consulted by scenarios with `needsBoards`.
 */
export type RunFilter = (run: RunInfo, liveBoards?: ReadonlySet<string>) => boolean;

export interface ScenarioSpec {
  name: ScenarioName;
  description: string;
  task: ScenarioTask;
  source: RunFilter;
  target: RunFilter;
  /** True when the filters need each run's live boards. */
  needsBoards: boolean;
}

const healthy = (run: RunInfo) => run.tool === 'healthy';
const standard = (run: RunInfo) => run.variant === 'standard' && healthy(run);
const programs150025 = (run: RunInfo) => run.variant === '150025' && healthy(run);
const inGroups =
  (...groups: string[]) =>
  (run: RunInfo) =>
    groups.includes(run.group);
const hasRequiredBoards = (boards?: ReadonlySet<string>) =>
  S3_REQUIRED_BOARDS.every((board) => boards?.has(board) === true);

/**
 * The recorded transfer scenarios. S3 was chosen from the board activity of the 108
 * shared runs (`adaptd data summary` prints it): within the 48 standard runs, xa_motor
 * logs in 35 and y_bed__1 in 39, and the 30 runs where both log hold all three
 * operations (11 adaptive, 8 face, 11 pocket), as do the 18 where one or both are dead or
 * absent (5, 8, 5). Holding the programs fixed leaves the board set as the only planned
 * difference; the 150025 groups are left out because frame_l1 and frame_b1 log only there,
 * which would tie the layout to the program.
 */
export const SCENARIOS: Readonly<Record<ScenarioName, ScenarioSpec>> = {
  S1: {
    name: 'S1',
    description: 'operation: standard programs -> 150025 programs (healthy tool only)',
    task: 'operation',
    source: standard,
    target: programs150025,
    needsBoards: false,
  },
  S1r: {
    name: 'S1r',
    description: 'operation: 150025 programs -> standard programs (healthy tool only)',
    task: 'operation',
    source: programs150025,
    target: standard,
    needsBoards: false,
  },
  S2: {
    name: 'S2',
    description: 'tool condition: face150025 + damageface -> pocket150025 + damagepocket',
    task: 'tool',
    source: inGroups('face150025', 'damageface'),
    target: inGroups('pocket150025', 'damagepocket'),
    needsBoards: false,
  },
  S2a: {
    name: 'S2a',
    description: 'tool condition: face150025 + damageface -> adaptive150025 + damageadaptive',
    task: 'tool',
    source: inGroups('face150025', 'damageface'),
    target: inGroups('adaptive150025', 'damageadaptive'),
    needsBoards: false,
  },
  S3: {
    name: 'S3',
    description:
      'sensor layout, operation on the standard programs: source runs log both xa_motor and ' +
      'y_bed__1; target runs have one or both of them dead or absent',
    task: 'operation',
    source: (run, boards) => standard(run) && hasRequiredBoards(boards),
    target: (run, boards) => standard(run) && !hasRequiredBoards(boards),
    needsBoards: true,
  },
  S4: {
    name: 'S4',
    description: 'motion command G0-G3 per window: standard programs -> 150025 programs (healthy)',
    task: 'motion',
    source: standard,
    target: programs150025,
    needsBoards: false,
  },
};
