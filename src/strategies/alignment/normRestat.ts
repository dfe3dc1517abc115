import { headGroup } from '../../model/modelConfig.js';
import type { LabelledWindows } from '../../model/training/windowBatch.js';
import { GroupOptimizer } from '../training/groupOptimizer.js';
import { sourceAndSupport } from '../training/labelSources.js';
import { defaultSchedule } from '../training/learningRateSchedule.js';
import { modelPredictor } from '../training/modelPredictor.js';
import { trainSupervised } from '../training/supervisedLoop.js';
import { taskHead } from '../training/taskHead.js';
import type { AdaptedPredictor, TransferStrategy } from '../strategy.js';
import {
  channelCorrection,
  correctedWindows,
  type ChannelCorrection,
} from './channelCorrection.js';
import { channelStatistics } from './channelStatistics.js';

/** A norm-restat outcome: the correction is part of the predictor, not of the weights. */
export interface NormRestatPredictor extends AdaptedPredictor {
  /** Applied to every window given to predict and embed; the daemon applies it to input. */
  correction: ChannelCorrection;
}

const DEFAULTS = { steps: 100, batchSize: 32, learningRate: 1e-3 };

/**
 * Normalisation-statistics re-estimation: the robust per-channel centre and scale of the
 * unlabelled target windows replace the source's, so target inputs reach the unchanged
 * source model standardised by target statistics (mapped onto the source's own centre
 * and scale, which the normaliser put near 0 and 1). The input-level analogue of
 * re-estimating batch-norm statistics; no gradient step touches the encoder.
 *
 * With support windows, the task head alone is then fitted on source plus corrected
 * support windows (defaults 100 steps, batch 32, rate 1e-3). `model` stays undefined:
 * the weights alone, without the correction, would not be the adapted predictor.
 * Predict and embed correct whatever windows they are given: pass target windows.
 */
export const normRestat: TransferStrategy = {
  name: 'norm-restat',
  needsLabels: false,
  async adapt(base, task, data, options): Promise<NormRestatPredictor> {
    const model = base.clone();
    let optimizer: GroupOptimizer | undefined;
    try {
      const head = taskHead(model, task);
      const correction = channelCorrection(
        channelStatistics(data.source),
        channelStatistics(data.target),
      );
      let trained = 0;
      if (data.support !== undefined) {
        const steps = options.steps ?? DEFAULTS.steps;
        const group = headGroup(task.head);
        optimizer = new GroupOptimizer(model.store, {
          rates: { [group]: options.learningRate ?? DEFAULTS.learningRate },
          weightDecay: 0,
          schedule: defaultSchedule(steps),
        });
        const corrected = { ...data, support: correctedWindows(data.support, correction) };
        await trainSupervised({
          model,
          head,
          sources: sourceAndSupport(corrected, task, options.batchSize ?? DEFAULTS.batchSize),
          optimizer,
          steps,
          seed: options.seed,
          onProgress: options.onProgress,
        });
        trained = model.store.parameterCount([group]);
      } else {
        options.onProgress?.(1, 1);
      }
      const inner = modelPredictor(model, task.head, trained);
      const correct = (windows: LabelledWindows): LabelledWindows =>
        correctedWindows(windows, correction);
      return {
        predict: (windows) => inner.predict(correct(windows)),
        embed: (windows) => inner.embed(correct(windows)),
        trainableParameters: trained,
        correction,
        dispose: () => inner.dispose(),
      };
    } catch (error) {
      model.dispose();
      throw error;
    } finally {
      optimizer?.dispose();
    }
  },
};
