import { boardOf, classifyColumn } from './channelNames.js';
import type { RunFrame } from './runFrame.js';

/** Which sensor boards of a run really logged, and which columns hold no signal. */
export interface RunActivity {
  /** Boards with at least one channel that varies over the run, sorted. */
  liveBoards: string[];
  /**
   * Boards whose columns exist but are all constant (or empty) over the run: SOURCE.md
   * notes that boards that did not log appear as constant or all-zero columns. Sorted.
   */
  deadBoards: string[];
  /**
   * Channel columns to mask: every column of a dead board, every column with no value at
   * all, and every constant motor-current or position column (these have no board to
   * vouch for them).
   */
  deadColumns: ReadonlySet<string>;
}

/** True when the column has at most one distinct value among its non-empty cells. */
export function isConstant(values: Float32Array): boolean {
  let first = Number.NaN;
  for (const value of values) {
    if (Number.isNaN(value)) continue;
    if (Number.isNaN(first)) first = value;
    else if (value !== first) return false;
  }
  return true;
}

function hasValue(values: Float32Array): boolean {
  for (const value of values) if (!Number.isNaN(value)) return true;
  return false;
}

const cache = new WeakMap<RunFrame, RunActivity>();

/** Inspects a run's channel columns once; frames are immutable, so the result is cached. */
export function inspectRun(frame: RunFrame): RunActivity {
  const cached = cache.get(frame);
  if (cached !== undefined) return cached;
  const boardVaries = new Map<string, boolean>();
  const deadColumns = new Set<string>();
  for (const column of frame.columns) {
    const spec = classifyColumn(column);
    const values = frame.values.get(column);
    if (spec === undefined || values === undefined) continue;
    const constant = isConstant(values);
    if (!hasValue(values)) deadColumns.add(column);
    const board = boardOf(column);
    if (spec.board === undefined || board === undefined) {
      if (constant) deadColumns.add(column);
      continue;
    }
    boardVaries.set(board, (boardVaries.get(board) ?? false) || !constant);
  }
  const liveBoards: string[] = [];
  const deadBoards: string[] = [];
  for (const [board, varies] of boardVaries) (varies ? liveBoards : deadBoards).push(board);
  liveBoards.sort();
  deadBoards.sort();
  const dead = new Set(deadBoards);
  for (const column of frame.columns) {
    const board = boardOf(column);
    if (board !== undefined && dead.has(board)) deadColumns.add(column);
  }
  const activity = { liveBoards, deadBoards, deadColumns };
  cache.set(frame, activity);
  return activity;
}
