import { silentLogger, type Logger } from '../log.js';
import { inspectRun } from './boardActivity.js';
import { bindRun, buildSchema, type ChannelSchema } from './channelSchema.js';
import { MOTIONS, OPERATIONS, TOOLS } from './labels.js';
import { scanRuns, type RunInfo, type SkippedFile } from './runCatalog.js';
import type { RunFrame } from './runFrame.js';
import { readRun } from './runReader.js';
import { SPLIT_PARTS, splitScenario, type SplitPart } from './scenarioSplit.js';
import { SCENARIO_NAMES, SCENARIOS, type ScenarioName, type ScenarioTask } from './scenarios.js';
import { DEFAULT_WINDOW, observedStretches, windowStarts } from './windowIndex.js';

export interface GroupSummary {
  group: string;
  runs: number;
  rows: number;
  windows: number;
  /** Present (bound and live) schema channels per run: fewest and most. */
  channelsPresent: { min: number; max: number };
  /** Per board, in how many of the group's runs it logged / was dead (absent otherwise). */
  liveBoards: Record<string, number>;
  deadBoards: Record<string, number>;
}

export interface PartSummary {
  runs: number;
  windows: number;
  /** Windows per class of the scenario's task (motion: at the window's last row). */
  classes: Record<string, number>;
}

export interface ScenarioSummary {
  description: string;
  task: ScenarioTask;
  parts: Record<SplitPart, PartSummary>;
}

export interface DataSummary {
  folder: string;
  seed: number;
  window: { length: number; stride: number };
  runs: number;
  rows: number;
  windows: number;
  /** Channels in the default schema (all modalities but position). */
  channels: number;
  skipped: SkippedFile[];
  groups: GroupSummary[];
  scenarios: Record<ScenarioName, ScenarioSummary>;
  readSeconds: number;
}

export interface SummaryOptions {
  folder: string;
  seed?: number;
  length?: number;
  stride?: number;
  logger?: Logger;
}

/** Per run: its window count and the class of every window for each task. */
interface RunWindows {
  count: number;
  motion: string[];
}

function windowsOfRun(frame: RunFrame, schema: ChannelSchema, length: number, stride: number) {
  const { present } = bindRun(schema, frame);
  const starts = windowStarts(observedStretches(frame, schema, present), length, stride);
  const motion = starts.map((start) => MOTIONS[frame.motion[start + length - 1] ?? -1] ?? 'none');
  return { count: starts.length, motion, present: present.reduce((a, b) => a + b, 0) };
}

function classOf(task: ScenarioTask, run: RunInfo): string {
  return task === 'tool' ? run.tool : run.operation;
}

function emptyClasses(task: ScenarioTask): Record<string, number> {
  const labels: readonly string[] =
    task === 'tool' ? TOOLS : task === 'operation' ? OPERATIONS : [...MOTIONS, 'none'];
  return Object.fromEntries(labels.map((label) => [label, 0]));
}

/** Reads every run in `folder` and counts runs, windows, channels, boards and split balance. */
export async function summariseData(options: SummaryOptions): Promise<DataSummary> {
  const logger = options.logger ?? silentLogger;
  const seed = options.seed ?? 0;
  const length = options.length ?? DEFAULT_WINDOW.length;
  const stride = options.stride ?? DEFAULT_WINDOW.stride;
  const started = performance.now();
  const { runs, skipped } = await scanRuns(options.folder);
  for (const entry of skipped) logger.warn(entry, 'data file left out');
  const frames: RunFrame[] = [];
  for (const run of runs) {
    frames.push(await readRun(run));
    logger.debug({ run: run.id, rows: frames.at(-1)?.rows }, 'run read');
  }
  const readSeconds = (performance.now() - started) / 1000;
  const schema = buildSchema(frames);
  const perRun = new Map<string, RunWindows>();
  const liveBoards = new Map<string, ReadonlySet<string>>();
  const groups = new Map<string, GroupSummary>();
  for (const frame of frames) {
    const windows = windowsOfRun(frame, schema, length, stride);
    const activity = inspectRun(frame);
    perRun.set(frame.info.id, windows);
    liveBoards.set(frame.info.id, new Set(activity.liveBoards));
    const group = groups.get(frame.info.group) ?? {
      group: frame.info.group,
      runs: 0,
      rows: 0,
      windows: 0,
      channelsPresent: { min: Number.POSITIVE_INFINITY, max: 0 },
      liveBoards: {},
      deadBoards: {},
    };
    group.runs += 1;
    group.rows += frame.rows;
    group.windows += windows.count;
    group.channelsPresent.min = Math.min(group.channelsPresent.min, windows.present);
    group.channelsPresent.max = Math.max(group.channelsPresent.max, windows.present);
    for (const board of activity.liveBoards)
      group.liveBoards[board] = (group.liveBoards[board] ?? 0) + 1;
    for (const board of activity.deadBoards)
      group.deadBoards[board] = (group.deadBoards[board] ?? 0) + 1;
    groups.set(frame.info.group, group);
  }
  const scenarios = {} as Record<ScenarioName, ScenarioSummary>;
  for (const name of SCENARIO_NAMES) {
    const spec = SCENARIOS[name];
    const split = splitScenario(name, runs, seed, { liveBoards });
    const parts = {} as Record<SplitPart, PartSummary>;
    for (const part of SPLIT_PARTS) {
      const summary: PartSummary = {
        runs: split[part].length,
        windows: 0,
        classes: emptyClasses(spec.task),
      };
      for (const run of split[part]) {
        const windows = perRun.get(run.id);
        if (windows === undefined) continue;
        summary.windows += windows.count;
        const labels =
          spec.task === 'motion'
            ? windows.motion
            : Array<string>(windows.count).fill(classOf(spec.task, run));
        for (const label of labels) summary.classes[label] = (summary.classes[label] ?? 0) + 1;
      }
      parts[part] = summary;
    }
    scenarios[name] = { description: spec.description, task: spec.task, parts };
  }
  const groupList = [...groups.values()].sort((a, b) => (a.group < b.group ? -1 : 1));
  return {
    folder: options.folder,
    seed,
    window: { length, stride },
    runs: runs.length,
    rows: groupList.reduce((sum, group) => sum + group.rows, 0),
    windows: groupList.reduce((sum, group) => sum + group.windows, 0),
    channels: schema.channels.length,
    skipped,
    groups: groupList,
    scenarios,
    readSeconds,
  };
}
