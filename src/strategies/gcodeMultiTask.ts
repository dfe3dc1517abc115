import { AdaptdError } from '../errors.js';
import { trainAdapters, type AdapterSettings } from './adapters.js';
import type { LabelSource } from './training/supervisedLoop.js';
import { taskHead, withLabelsOf } from './training/taskHead.js';
import type { TransferData, TransferStrategy, TransferTask } from './strategy.js';
import type { SensorModel } from '../model/sensorModel.js';

/** The head whose labels the executing G-code line gives for free. */
const MOTION = 'motion';

export interface GcodeMultiTaskSettings extends Omit<AdapterSettings, 'alsoHeads'> {
  /** Loss weight of the target's G-code motion labels. */
  targetMotionWeight: number;
  /** Loss weight of the source's motion labels (keeps the motion head anchored). */
  sourceMotionWeight: number;
}

/**
 * G-code self-supervision for a window task (operation, tool condition): on the target
 * machine the executing G-code line labels every row's motion command for free, so the
 * shared adapters are trained on the target's motion labels as an auxiliary task while
 * the task head learns from the source labels (and support labels when given). The
 * adapters thus adapt the encoder to the target's signals through a task the target
 * does label, with no operator label. Only `labels.motion` of the target is read.
 * Motion itself is gcode-self's task; this strategy refuses it.
 */
export function gcodeMultiTaskStrategy(
  name: string,
  settings: GcodeMultiTaskSettings,
): TransferStrategy {
  return {
    name,
    needsLabels: false,
    adapt(base, task, data, options) {
      if (task.head === MOTION || task.step === true) {
        return Promise.reject(
          new AdaptdError(
            'CONFIG_INVALID',
            `${name} uses the G-code motion labels as an auxiliary task for a window task; ` +
              `for ${task.head} use gcode-self`,
          ),
        );
      }
      if (data.target.labels[MOTION] === undefined) {
        return Promise.reject(
          new AdaptdError('CONFIG_INVALID', `${name} needs the target's G-code motion labels`),
        );
      }
      return trainAdapters(
        base,
        task,
        (batch) => multiTaskSources(base, task, data, batch, settings),
        options,
        { ...settings, alsoHeads: [MOTION] },
      );
    },
  };
}

/**
 * A quarter of each batch from the G-code-labelled target (motion), a quarter from the
 * source's motion labels, the rest from the task's labelled source (and support) windows.
 */
export function multiTaskSources(
  base: SensorModel,
  task: TransferTask,
  data: TransferData,
  batchSize: number,
  settings: GcodeMultiTaskSettings,
): LabelSource[] {
  const motion = taskHead(base, { head: MOTION, classes: motionClasses(base), step: true });
  const quarter = Math.max(1, Math.floor(batchSize / 4));
  const sources: LabelSource[] = [
    {
      name: 'target',
      windows: withLabelsOf(data.target, [MOTION]),
      perBatch: quarter,
      weight: settings.targetMotionWeight,
      head: motion,
    },
    {
      name: 'source',
      windows: withLabelsOf(data.source, [MOTION]),
      perBatch: quarter,
      weight: settings.sourceMotionWeight,
      head: motion,
    },
  ];
  let rest = Math.max(1, batchSize - 2 * quarter);
  if (data.support !== undefined) {
    const supportBatch = Math.max(1, Math.min(Math.ceil(rest / 2), data.support.count));
    sources.push({
      name: 'support',
      windows: withLabelsOf(data.support, [task.head]),
      perBatch: supportBatch,
      weight: 1,
    });
    rest = Math.max(1, rest - supportBatch);
  }
  sources.push({
    name: 'source',
    windows: withLabelsOf(data.source, [task.head]),
    perBatch: rest,
    weight: 1,
  });
  return sources;
}

function motionClasses(model: SensorModel): string[] {
  const head = model.config.heads.find((h) => h.name === MOTION);
  if (head === undefined) {
    throw new AdaptdError('MODEL_INVALID', `model has no ${MOTION} head for G-code labels`);
  }
  return head.classes;
}

export const gcodeMultiTask = gcodeMultiTaskStrategy('gcode-multitask', {
  anchor: 0,
  weightDecay: 0.01,
  targetMotionWeight: 1,
  sourceMotionWeight: 0.5,
});
