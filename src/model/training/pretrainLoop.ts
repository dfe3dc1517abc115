import * as tf from '@tensorflow/tfjs';
import { AdaptdError } from '../../errors.js';
import { argmaxRows, scoreClassification } from '../../evaluation/classificationScores.js';
import { seededRandom, shuffled } from '../../util/random.js';
import { predictWindows } from '../predictWindows.js';
import type { SensorModel } from '../sensorModel.js';
import { balancedClassWeights, maskedCrossEntropy, reconstructionLoss } from './lossTerms.js';
import {
  batchLabels,
  disposeInputs,
  windowBatch,
  type Augmentation,
  type LabelledWindows,
} from './windowBatch.js';

export interface PretrainSettings {
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Epochs without a better early-stopping score before training stops. */
  patience: number;
  seed: number;
  /** Share of tokens replaced by the mask token (denoising). */
  tokenMaskShare: number;
  reconstructionWeight: number;
  /** Loss weight per supervised head; heads not listed are not trained. */
  headWeights: Record<string, number>;
  augmentation: Omit<Augmentation, 'random'>;
}

export interface EpochRecord {
  epoch: number;
  loss: number;
  /** Mean macro-F1 over the trained heads on the early-stopping windows. */
  score: number;
  seconds: number;
}

export interface PretrainProgress {
  epoch: number;
  step: number;
  steps: number;
  loss: number;
}

/** Where a resumable run keeps its state; see checkpoint.ts. */
export interface CheckpointStore {
  load(model: SensorModel, optimizer: tf.Optimizer): Promise<LoopState | undefined>;
  save(model: SensorModel, optimizer: tf.Optimizer, state: LoopState): Promise<void>;
}

export interface LoopState {
  nextEpoch: number;
  bestScore: number;
  bestEpoch: number;
  history: EpochRecord[];
  /** Best weights so far, by parameter name. */
  best: tf.NamedTensorMap;
}

/**
 * Denoising plus supervised pretraining with early stopping on windows of held-out
 * source runs. Returns with the model holding the best epoch's weights.
 */
export async function pretrainLoop(
  model: SensorModel,
  train: LabelledWindows,
  earlyStop: LabelledWindows,
  settings: PretrainSettings,
  hooks: {
    onStep?: (progress: PretrainProgress) => void;
    onEpoch?: (record: EpochRecord) => void;
    checkpoint?: CheckpointStore;
  } = {},
): Promise<{ bestEpoch: number; bestScore: number; history: EpochRecord[] }> {
  const heads = model.config.heads.filter((h) => (settings.headWeights[h.name] ?? 0) > 0);
  for (const head of heads) {
    if (train.labels[head.name] === undefined) {
      throw new AdaptdError('TRAINING_FAILED', `training windows have no labels for ${head.name}`);
    }
  }
  const classWeights = Object.fromEntries(
    heads.map((h) => [h.name, balancedClassWeights(train.labels[h.name]!, h.classes.length)]),
  );
  const optimizer = tf.train.adam(settings.learningRate);
  const variables = model.store.names().map((name) => model.store.variable(name));
  let state: LoopState = (await hooks.checkpoint?.load(model, optimizer)) ?? {
    nextEpoch: 0,
    bestScore: -Infinity,
    bestEpoch: -1,
    history: [],
    best: model.store.snapshot(),
  };
  const tokens = model.tokens;
  try {
    for (let epoch = state.nextEpoch; epoch < settings.epochs; epoch += 1) {
      const started = performance.now();
      const random = seededRandom(settings.seed * 1000 + epoch);
      const order = shuffled(
        Array.from({ length: train.count }, (_, i) => i),
        random,
      );
      const steps = Math.ceil(order.length / settings.batchSize);
      let lossSum = 0;
      for (let step = 0; step < steps; step += 1) {
        const batch = order.slice(step * settings.batchSize, (step + 1) * settings.batchSize);
        const { inputs, clean } = windowBatch(train, batch, { ...settings.augmentation, random });
        const tokenMask = new Float32Array(batch.length * tokens);
        for (let i = 0; i < tokenMask.length; i += 1) {
          tokenMask[i] = random() < settings.tokenMaskShare ? 1 : 0;
        }
        const maskTensor = tf.tensor2d(tokenMask, [tokenMask.length, 1]);
        const target = tf.reshape(clean, [
          batch.length * tokens,
          model.config.patch * model.config.channels,
        ]) as tf.Tensor2D;
        const cost = optimizer.minimize(
          () => {
            const out = model.forward(inputs, { tokenMask: maskTensor, reconstruct: true });
            let total = tf.mul(
              reconstructionLoss(
                out.reconstruction!,
                target,
                inputs.mask,
                maskTensor,
                tokens,
                model.config.patch,
              ),
              settings.reconstructionWeight,
            );
            for (const head of heads) {
              const labels = batchLabels(train, head.name, batch, head.reads === 'step');
              const term = maskedCrossEntropy(
                out.logits[head.name]!,
                labels,
                classWeights[head.name]!,
              );
              total = tf.add(total, tf.mul(term, settings.headWeights[head.name]!));
            }
            return total as tf.Scalar;
          },
          true,
          variables,
        );
        const loss = (await cost!.data())[0]!;
        tf.dispose([cost!, maskTensor, target, clean]);
        disposeInputs(inputs);
        if (!Number.isFinite(loss)) {
          throw new AdaptdError(
            'TRAINING_FAILED',
            `pretraining loss became ${loss} at epoch ${epoch}`,
            {
              context: { epoch, step },
            },
          );
        }
        lossSum += loss;
        hooks.onStep?.({ epoch, step: step + 1, steps, loss });
      }
      const score = await earlyStopScore(
        model,
        earlyStop,
        heads.map((h) => h.name),
      );
      const record: EpochRecord = {
        epoch,
        loss: lossSum / steps,
        score,
        seconds: (performance.now() - started) / 1000,
      };
      const history = [...state.history, record];
      const improved = score > state.bestScore;
      if (improved) tf.dispose(Object.values(state.best));
      state = {
        nextEpoch: epoch + 1,
        bestScore: improved ? score : state.bestScore,
        bestEpoch: improved ? epoch : state.bestEpoch,
        history,
        best: improved ? model.store.snapshot() : state.best,
      };
      hooks.onEpoch?.(record);
      await hooks.checkpoint?.save(model, optimizer, state);
      if (epoch - state.bestEpoch >= settings.patience) break;
    }
    model.store.assign(state.best);
    return { bestEpoch: state.bestEpoch, bestScore: state.bestScore, history: state.history };
  } finally {
    tf.dispose(Object.values(state.best));
    optimizer.dispose();
  }
}

async function earlyStopScore(
  model: SensorModel,
  windows: LabelledWindows,
  heads: string[],
): Promise<number> {
  const predictions = await predictWindows(model, windows);
  const scores: number[] = [];
  for (const name of heads) {
    const head = model.config.heads.find((h) => h.name === name)!;
    const truth = windows.labels[name];
    if (truth === undefined) continue;
    const predicted = argmaxRows(predictions.logits[name]!, head.classes.length);
    const f1 = scoreClassification(truth, predicted, head.classes.length).macroF1;
    if (Number.isFinite(f1)) scores.push(f1);
  }
  return scores.length === 0 ? 0 : scores.reduce((a, b) => a + b, 0) / scores.length;
}
