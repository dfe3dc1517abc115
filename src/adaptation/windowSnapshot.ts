import { AdaptdError } from '../errors.js';
import type { LabelledWindows } from '../model/training/windowBatch.js';

/**
 * Target windows frozen for one adaptation run, in stream order, as plain typed arrays so that
 * they cross a process boundary as bytes. Labels are per window, or per row (`length` per
 * window) for step heads such as motion; -1 where unknown.
 */
export interface WindowSnapshot {
  count: number;
  length: number;
  channels: number;
  contextSize: number;
  /** Normalised values [count, length, channels]. */
  x: Float32Array;
  /** Channel presence [count, channels]. */
  mask: Float32Array;
  /** One-hot controller state [count, contextSize]. */
  context: Float32Array;
  labels: Record<string, Int32Array>;
}

/**
 * A frozen copy of the target buffer: windows a challenger may learn from, and windows held
 * back (by time block, see src/learning/holdout.ts) for shadow scoring only.
 */
export interface TargetSnapshot {
  adapt: WindowSnapshot;
  heldBack: WindowSnapshot;
}

/** Where the engine takes its target windows from (the daemon's bounded target buffer). */
export interface TargetWindowSource {
  snapshot(): TargetSnapshot;
}

/**
 * Rows of labels per window for `head`: `length` for per-row (step) labels, else 1. Told
 * apart by the array's length, as the snapshot carries no head list.
 */
export function labelRows(snapshot: WindowSnapshot, head: string): number {
  const labels = snapshot.labels[head];
  return labels !== undefined &&
    snapshot.length > 1 &&
    labels.length === snapshot.count * snapshot.length
    ? snapshot.length
    : 1;
}

/** Checks that every array has the length the dimensions promise. */
export function assertSnapshot(snapshot: WindowSnapshot): void {
  const { count, length, channels, contextSize } = snapshot;
  const expect = (what: string, actual: number, wanted: number): void => {
    if (actual !== wanted) {
      throw new AdaptdError(
        'INTERNAL',
        `window snapshot ${what} holds ${actual} values, expected ${wanted}`,
        { context: { what, actual, wanted } },
      );
    }
  };
  expect('x', snapshot.x.length, count * length * channels);
  expect('mask', snapshot.mask.length, count * channels);
  expect('context', snapshot.context.length, count * contextSize);
  for (const [head, labels] of Object.entries(snapshot.labels)) {
    expect(`labels.${head}`, labels.length, count * labelRows(snapshot, head));
  }
}

/**
 * Some windows of a snapshot, as training and prediction read them. Labels of `hide` heads
 * read -1, so that a strategy cannot see them.
 */
export function snapshotView(
  snapshot: WindowSnapshot,
  indices: readonly number[],
  hide: readonly string[] = [],
): LabelledWindows {
  const { length, channels, contextSize } = snapshot;
  const pick = (positions: readonly number[]): number[] => positions.map((p) => indices[p]!);
  const labels: Record<string, Int32Array> = {};
  for (const [head, all] of Object.entries(snapshot.labels)) {
    const per = labelRows(snapshot, head);
    const out = new Int32Array(indices.length * per).fill(-1);
    if (!hide.includes(head)) {
      indices.forEach((w, n) => out.set(all.subarray(w * per, (w + 1) * per), n * per));
    }
    labels[head] = out;
  }
  return {
    count: indices.length,
    length,
    channels,
    contextSize,
    gather(positions) {
      const chosen = pick(positions);
      const x = new Float32Array(chosen.length * length * channels);
      const mask = new Float32Array(chosen.length * channels);
      chosen.forEach((w, n) => {
        x.set(
          snapshot.x.subarray(w * length * channels, (w + 1) * length * channels),
          n * length * channels,
        );
        mask.set(snapshot.mask.subarray(w * channels, (w + 1) * channels), n * channels);
      });
      return { x, mask };
    },
    context(positions) {
      const chosen = pick(positions);
      const out = new Float32Array(chosen.length * contextSize);
      chosen.forEach((w, n) =>
        out.set(snapshot.context.subarray(w * contextSize, (w + 1) * contextSize), n * contextSize),
      );
      return out;
    },
    labels,
  };
}

/** Whether window `w` has at least one known label for `head`. */
export function isLabelled(snapshot: WindowSnapshot, head: string, w: number): boolean {
  const labels = snapshot.labels[head];
  if (labels === undefined) return false;
  const per = labelRows(snapshot, head);
  return labels.subarray(w * per, (w + 1) * per).some((label) => label >= 0);
}

/** Windows with at least one known label for `head`, in order. */
export function labelledIndices(snapshot: WindowSnapshot, head: string): number[] {
  const out: number[] = [];
  for (let w = 0; w < snapshot.count; w += 1) if (isLabelled(snapshot, head, w)) out.push(w);
  return out;
}

/**
 * Copies windows out of a labelled view into a snapshot (the source holdout is read this way
 * from recorded runs). Labels are per row where the view gives `length` per window.
 */
export function toSnapshot(windows: LabelledWindows, indices: readonly number[]): WindowSnapshot {
  const { x, mask } = windows.gather(indices);
  const labels: Record<string, Int32Array> = {};
  for (const [head, all] of Object.entries(windows.labels)) {
    const per =
      windows.length > 1 && all.length === windows.count * windows.length ? windows.length : 1;
    const out = new Int32Array(indices.length * per);
    indices.forEach((w, n) => out.set(all.subarray(w * per, (w + 1) * per), n * per));
    labels[head] = out;
  }
  return {
    count: indices.length,
    length: windows.length,
    channels: windows.channels,
    contextSize: windows.contextSize,
    x,
    mask,
    context: windows.context(indices),
    labels,
  };
}
