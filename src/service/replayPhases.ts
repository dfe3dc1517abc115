import type { RunInfo } from '../data/runCatalog.js';
import { OPERATIONS } from '../data/labels.js';

/** One phase of the embedded default's replay. */
export interface ReplayPhase {
  name: string;
  description: string;
  runs: RunInfo[];
}

/**
 * The three phases of the embedded default: the source program (standard runs, healthy
 * tool), a new program (150025 runs), and a damaged tool (damage runs). Each takes up to
 * `perPhase` runs, one operation after the other so that every operation shows up. Source runs
 * the model was trained on are avoided when the artifact says which they were.
 */
export function replayPhases(
  runs: readonly RunInfo[],
  perPhase: number,
  trainedOn: ReadonlySet<string> = new Set(),
): ReplayPhase[] {
  const standard = runs.filter((r) => r.variant === 'standard' && r.tool === 'healthy');
  const unseen = standard.filter((run) => !trainedOn.has(run.id));
  return [
    {
      name: 'source program',
      description:
        unseen.length > 0
          ? 'standard programs, healthy tool, runs the model has not seen'
          : 'standard programs, healthy tool (every such run was in the training data)',
      runs: interleave(unseen.length > 0 ? unseen : standard, perPhase),
    },
    {
      name: 'new program',
      description: '150025 programs: other feeds and toolpaths, so predictions drift',
      runs: interleave(
        runs.filter((r) => r.variant === '150025' && r.tool === 'healthy'),
        perPhase,
      ),
    },
    {
      name: 'damaged tool',
      description: 'the 150025 programs cut with a damaged tool',
      runs: interleave(
        runs.filter((r) => r.tool === 'damaged'),
        perPhase,
      ),
    },
  ];
}

/** Up to `count` runs taking face, pocket, adaptive in turn, each in id order. */
function interleave(runs: readonly RunInfo[], count: number): RunInfo[] {
  const byOperation = OPERATIONS.map((op) => runs.filter((run) => run.operation === op));
  const picked: RunInfo[] = [];
  for (let round = 0; picked.length < count; round += 1) {
    const before = picked.length;
    for (const list of byOperation) {
      const run = list[round];
      if (run !== undefined && picked.length < count) picked.push(run);
    }
    if (picked.length === before) break;
  }
  return picked;
}
