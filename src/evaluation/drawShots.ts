import { seededRandom, shuffled } from '../util/random.js';
import type { LabelledWindows } from '../model/training/windowBatch.js';
import { windowClass } from './windowViews.js';

/**
 * Positions of `shots` labelled windows per class drawn from `windows` (the target's
 * adaptation runs, never its test runs), deterministic from the seed. A class with
 * fewer windows gives all it has.
 */
export function drawShots(
  windows: LabelledWindows,
  head: string,
  step: boolean,
  classes: number,
  shots: number,
  seed: number,
): number[] {
  const random = seededRandom(seed * 7919 + shots);
  const byClass: number[][] = Array.from({ length: classes }, () => []);
  for (let i = 0; i < windows.count; i += 1) {
    const label = windowClass(windows, head, step, i);
    if (label >= 0 && label < classes) byClass[label]!.push(i);
  }
  return byClass
    .flatMap((members) => shuffled(members, random).slice(0, shots))
    .sort((a, b) => a - b);
}
