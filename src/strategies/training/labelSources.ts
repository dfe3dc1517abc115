import type { TransferData, TransferTask } from '../strategy.js';
import type { LabelSource } from './supervisedLoop.js';
import { withLabelsOf } from './taskHead.js';

export interface SourceAndSupportWeights {
  /** Loss weight of the labelled source windows. */
  source: number;
  /** Loss weight of the labelled target windows (shots). */
  support: number;
}

/**
 * The labelled sets of supervised adaptation: the source windows and, when given, the
 * support windows, each seen only through the task's labels. A batch takes half its
 * windows from the support (at most all of them, so few shots do not repeat within a
 * batch) and the rest from the source.
 */
export function sourceAndSupport(
  data: TransferData,
  task: TransferTask,
  batchSize: number,
  weights: SourceAndSupportWeights = { source: 1, support: 1 },
): LabelSource[] {
  const heads = [task.head];
  if (data.support === undefined) {
    return [
      {
        name: 'source',
        windows: withLabelsOf(data.source, heads),
        perBatch: batchSize,
        weight: weights.source,
      },
    ];
  }
  const supportBatch = Math.max(1, Math.min(Math.ceil(batchSize / 2), data.support.count));
  return [
    {
      name: 'source',
      windows: withLabelsOf(data.source, heads),
      perBatch: Math.max(1, batchSize - supportBatch),
      weight: weights.source,
    },
    {
      name: 'support',
      windows: withLabelsOf(data.support, heads),
      perBatch: supportBatch,
      weight: weights.support,
    },
  ];
}
