import type { LabelledWindows } from '../model/training/windowBatch.js';

/** The windows at `positions` of a view, with their labels (step labels row by row). */
export function subsetWindows(
  windows: LabelledWindows,
  positions: readonly number[],
  stepHeads: ReadonlySet<string>,
): LabelledWindows {
  const pick = (p: readonly number[]): number[] => p.map((i) => positions[i]!);
  const labels: Record<string, Int32Array> = {};
  for (const [name, values] of Object.entries(windows.labels)) {
    if (!stepHeads.has(name)) {
      labels[name] = Int32Array.from(positions, (i) => values[i]!);
      continue;
    }
    const rows = new Int32Array(positions.length * windows.length);
    positions.forEach((w, n) => {
      rows.set(values.subarray(w * windows.length, (w + 1) * windows.length), n * windows.length);
    });
    labels[name] = rows;
  }
  return {
    count: positions.length,
    length: windows.length,
    channels: windows.channels,
    contextSize: windows.contextSize,
    gather: (p) => windows.gather(pick(p)),
    context: (p) => windows.context(pick(p)),
    labels,
  };
}

/**
 * Target windows as adaptation may see them: no labels, except the motion command,
 * which the G-code stream labels for free on the live machine (kept only when
 * `keepMotion` is set).
 */
export function withoutTargetLabels(
  windows: LabelledWindows,
  keepMotion: boolean,
): LabelledWindows {
  const labels: Record<string, Int32Array> = {};
  if (keepMotion && windows.labels.motion !== undefined) labels.motion = windows.labels.motion;
  return { ...windows, labels };
}

/** The label a window is counted under when drawing shots: the window's, or a step head's last row. */
export function windowClass(
  windows: LabelledWindows,
  head: string,
  step: boolean,
  i: number,
): number {
  const values = windows.labels[head]!;
  return step ? values[i * windows.length + windows.length - 1]! : values[i]!;
}
