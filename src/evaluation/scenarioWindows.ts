import { AdaptdError } from '../errors.js';
import { inspectRun } from '../data/boardActivity.js';
import { listRuns, type RunInfo } from '../data/runCatalog.js';
import type { RunFrame } from '../data/runFrame.js';
import { readRun } from '../data/runReader.js';
import { splitScenario, type ScenarioSplit } from '../data/scenarioSplit.js';
import { SCENARIOS, type ScenarioName, type ScenarioTask } from '../data/scenarios.js';
import { buildWindowSet } from '../data/windows.js';
import { labelledWindows, STEP_LABELS, type ModelBundle } from '../model/modelBundle.js';
import type { LabelledWindows } from '../model/training/windowBatch.js';

/** Recorded runs read once and shared by every scenario of an evaluation. */
export class RunLibrary {
  private runs?: RunInfo[];
  private readonly frames = new Map<string, RunFrame>();
  private liveBoards?: Map<string, ReadonlySet<string>>;

  constructor(readonly dataDir: string) {}

  async all(): Promise<{ runs: RunInfo[]; liveBoards: Map<string, ReadonlySet<string>> }> {
    if (this.runs === undefined || this.liveBoards === undefined) {
      this.runs = await listRuns(this.dataDir);
      this.liveBoards = new Map();
      for (const run of this.runs) {
        const frame = await readRun(run);
        this.frames.set(run.id, frame);
        this.liveBoards.set(run.id, new Set(inspectRun(frame).liveBoards));
      }
    }
    return { runs: this.runs, liveBoards: this.liveBoards };
  }

  frame(run: RunInfo): RunFrame {
    const frame = this.frames.get(run.id);
    if (frame === undefined) {
      throw new AdaptdError('INTERNAL', `run ${run.id} was not read before use`);
    }
    return frame;
  }
}

/** The window views of one scenario split, through one source model's schema and normaliser. */
export interface ScenarioWindows {
  split: ScenarioSplit;
  task: ScenarioTask;
  head: string;
  step: boolean;
  source: LabelledWindows;
  targetAdapt: LabelledWindows;
  targetCheck: LabelledWindows;
  targetTest: LabelledWindows;
  /** Source held-out windows, for the source side of S4's comparison. */
  sourceVal: LabelledWindows;
}

/**
 * The split with its source side re-dealt by what the source model was trained on: the
 * held-out part is every source run the model never saw (its training data lists the
 * runs it fitted on), the training part the rest. A scenario split with another seed,
 * or another scenario sharing the model (S4 shares S1's), would otherwise hold runs the
 * model was fitted on out as if they were new. Without a list the split stays as it is.
 */
export function heldOutFromModel(
  split: ScenarioSplit,
  trainedOn: ReadonlySet<string> | undefined,
): ScenarioSplit {
  if (trainedOn === undefined || trainedOn.size === 0) return split;
  const source = [...split.sourceTrain, ...split.sourceVal];
  const sourceTrain = source.filter((run) => trainedOn.has(run.id));
  // A model fitted on none of these runs (another scenario's) leaves the split alone.
  if (sourceTrain.length === 0) return split;
  return { ...split, sourceTrain, sourceVal: source.filter((run) => !trainedOn.has(run.id)) };
}

export async function scenarioWindows(
  library: RunLibrary,
  scenario: ScenarioName,
  seed: number,
  bundle: Pick<ModelBundle, 'schema' | 'normaliser' | 'window' | 'manifest'>,
): Promise<ScenarioWindows> {
  const { runs, liveBoards } = await library.all();
  const trainedOn = bundle.manifest?.trainingData;
  const split = heldOutFromModel(
    splitScenario(scenario, runs, seed, { liveBoards }),
    trainedOn === undefined ? undefined : new Set(Object.keys(trainedOn)),
  );
  const view = (part: RunInfo[]): LabelledWindows => {
    const set = buildWindowSet(
      part.map((run) => library.frame(run)),
      bundle.schema,
      bundle.normaliser,
      bundle.window,
    );
    return { ...labelledWindows(set), run: set.windowRun };
  };
  const task = SCENARIOS[scenario].task;
  return {
    split,
    task,
    head: task,
    step: STEP_LABELS.has(task),
    source: view(split.sourceTrain),
    sourceVal: view(split.sourceVal),
    targetAdapt: view(split.targetAdapt),
    targetCheck: view(split.targetCheck),
    targetTest: view(split.targetTest),
  };
}
