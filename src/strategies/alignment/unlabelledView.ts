import type { LabelledWindows } from '../../model/training/windowBatch.js';

/**
 * Target windows as an alignment strategy may see them: inputs and context pass through,
 * and the task's labels are all unknown (-1), built here rather than copied, so nothing
 * downstream can read a target label by mistake. Any other labels are dropped.
 */
export function unlabelledView(
  windows: LabelledWindows,
  head: string,
  step: boolean,
): LabelledWindows {
  const rows = windows.count * (step ? windows.length : 1);
  return {
    count: windows.count,
    length: windows.length,
    channels: windows.channels,
    contextSize: windows.contextSize,
    gather: (indices) => windows.gather(indices),
    context: (indices) => windows.context(indices),
    labels: { [head]: new Int32Array(rows).fill(-1) },
  };
}
