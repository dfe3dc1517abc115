import { AdaptdError } from '../../errors.js';
import type { HeadConfig } from '../../model/modelConfig.js';
import type { SensorModel } from '../../model/sensorModel.js';
import type { LabelledWindows } from '../../model/training/windowBatch.js';
import type { TransferTask } from '../strategy.js';

/**
 * The model's head for `task`, checked to agree with it: strategies that train the
 * model's own head need its class count and its reading (one label per window or per row).
 */
export function taskHead(model: SensorModel, task: TransferTask): HeadConfig {
  const head = model.config.heads.find((h) => h.name === task.head);
  if (head === undefined) {
    throw new AdaptdError(
      'MODEL_INVALID',
      `model has no head ${task.head}; heads: ${model.config.heads.map((h) => h.name).join(', ')}`,
      { context: { head: task.head } },
    );
  }
  if (head.classes.length !== task.classes.length) {
    throw new AdaptdError(
      'MODEL_INVALID',
      `head ${task.head} has ${head.classes.length} classes but the task names ` +
        `${task.classes.length}`,
      { context: { head: task.head } },
    );
  }
  if ((head.reads === 'step') !== (task.step === true)) {
    throw new AdaptdError(
      'MODEL_INVALID',
      `head ${task.head} reads ${head.reads} but the task says step=${task.step === true}`,
      { context: { head: task.head } },
    );
  }
  return head;
}

/**
 * Indices of windows with at least one known label for `head` (every row for step
 * heads is checked); throws when `windows` carry no labels for it at all.
 */
export function labelledIndices(
  windows: LabelledWindows,
  head: string,
  step: boolean,
  what: string,
): number[] {
  const labels = windows.labels[head];
  const indices: number[] = [];
  if (labels !== undefined) {
    const rows = step ? windows.length : 1;
    for (let w = 0; w < windows.count; w += 1) {
      for (let r = w * rows; r < (w + 1) * rows; r += 1) {
        if (labels[r]! >= 0) {
          indices.push(w);
          break;
        }
      }
    }
  }
  if (indices.length === 0) {
    throw new AdaptdError('TRAINING_FAILED', `${what} windows carry no labels for ${head}`, {
      context: { head, windows: windows.count },
    });
  }
  return indices;
}

/** Only windows, their inputs and the named heads' labels: what a strategy may read. */
export function withLabelsOf(windows: LabelledWindows, heads: readonly string[]): LabelledWindows {
  const labels: Record<string, Int32Array> = {};
  for (const head of heads) {
    const values = windows.labels[head];
    if (values !== undefined) labels[head] = values;
  }
  return {
    count: windows.count,
    length: windows.length,
    channels: windows.channels,
    contextSize: windows.contextSize,
    gather: (indices) => windows.gather(indices),
    context: (indices) => windows.context(indices),
    labels,
  };
}
