import * as tf from '@tensorflow/tfjs';
import { AdaptdError } from '../../errors.js';
import type { HeadConfig } from '../../model/modelConfig.js';
import type { SensorModel } from '../../model/sensorModel.js';
import { balancedClassWeights, maskedCrossEntropy } from '../../model/training/lossTerms.js';
import { disposeInputs, type LabelledWindows } from '../../model/training/windowBatch.js';
import { seededRandom } from '../../util/random.js';
import { indexCycler } from '../training/indexCycler.js';
import { mixedBatch, type BatchPart } from '../training/mixedBatch.js';
import { labelledIndices, withLabelsOf } from '../training/taskHead.js';
import type { TransferData } from '../strategy.js';
import { unlabelledView } from './unlabelledView.js';

/** The unsupervised term of an alignment strategy. */
export interface AlignmentTerm {
  /** Variables it trains besides the model's (a domain classifier); may be empty. */
  variables: readonly tf.Variable[];
  /** Learning rate of those variables relative to the model's. */
  learningRateFactor?: number;
  /**
   * Loss from pooled source embeddings [b, units] and target embeddings [b, units] at
   * training progress p in [0, 1), already weighted (and ramped) by the term itself.
   */
  loss(source: tf.Tensor2D, target: tf.Tensor2D, progress: number): tf.Scalar;
}

export interface AlignmentRun {
  model: SensorModel;
  head: HeadConfig;
  data: TransferData;
  /** Model layer groups that train; the rest stay frozen. */
  groups: readonly string[];
  term: AlignmentTerm;
  steps: number;
  /** Windows per domain in each batch: source and target batches are balanced. */
  batchSize: number;
  learningRate: number;
  seed: number;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Trains `groups` of the model (and the term's own variables) on source cross-entropy
 * plus the alignment term between source and target embeddings, plus support
 * cross-entropy when support windows are given. Every batch holds as many source as
 * target windows (`batchSize`, fewer if a set is smaller) and up to `batchSize` support
 * windows, in one forward pass. Target windows are seen through `unlabelledView`: their
 * labels are never read. Plain Adam rather than the group optimizer, because a domain
 * classifier outside the model's store trains alongside at its own rate.
 * Returns the loss per step.
 */
export async function trainAlignment(run: AlignmentRun): Promise<number[]> {
  const { model, head, data } = run;
  const step = head.reads === 'step';
  const random = seededRandom(run.seed);
  const classes = head.classes.length;
  const source = labelledFeed(data.source, head, 'source', random);
  const target = unlabelledView(data.target, head.name, step);
  // Balanced domains, and no window twice in one batch: a repeated row would count as
  // two samples in the alignment term.
  const perDomain = Math.min(run.batchSize, source.pool, target.count);
  if (perDomain < 2) {
    throw new AdaptdError(
      'TRAINING_FAILED',
      `alignment needs at least 2 labelled source and 2 target windows, got ` +
        `${source.pool} and ${target.count}`,
      { context: { source: source.pool, target: target.count } },
    );
  }
  const targetDraw = indexCycler(
    Array.from({ length: target.count }, (_, i) => i),
    random,
  );
  const support =
    data.support === undefined ? undefined : labelledFeed(data.support, head, 'support', random);
  const modelVariables = model.store.inGroups(run.groups);
  if (modelVariables.length === 0) {
    throw new AdaptdError('INTERNAL', `no variables in groups ${run.groups.join(', ')}`);
  }
  const termVariables = new Set(run.term.variables.map((v) => v.name));
  const optimizer = tf.train.adam(run.learningRate);
  const termOptimizer = tf.train.adam(run.learningRate * (run.term.learningRateFactor ?? 1));
  const losses: number[] = [];
  try {
    for (let s = 0; s < run.steps; s += 1) {
      // Part 0 is source, part 1 target, part 2 support; only 0 and 2 carry labels.
      const parts: BatchPart[] = [
        { windows: source.windows, indices: source.draw(perDomain) },
        { windows: target, indices: targetDraw(perDomain) },
      ];
      const labelled: [LabelledFeed, number][] = [[source, 0]];
      if (support !== undefined) {
        const count = Math.min(run.batchSize, support.pool);
        parts.push({ windows: support.windows, indices: support.draw(count) });
        labelled.push([support, 2]);
      }
      const batch = mixedBatch(parts, head.name, step);
      const progress = s / run.steps;
      const { value: cost, grads } = tf.variableGrads(() => {
        const out = model.forward(batch.inputs);
        const logits = out.logits[head.name]!;
        const terms = labelled.map(([feed, p]) => {
          const labels = batch.labels[p]!;
          const rows = tf.slice(logits, [batch.offsets[p]!, 0], [labels.length, classes]);
          return maskedCrossEntropy(rows, labels, feed.classWeights);
        });
        const sourceEmbedding = tf.slice(out.embedding, [0, 0], [perDomain, -1]);
        const targetEmbedding = tf.slice(out.embedding, [perDomain, 0], [perDomain, -1]);
        terms.push(run.term.loss(sourceEmbedding, targetEmbedding, progress));
        return tf.addN(terms) as tf.Scalar;
      }, [...modelVariables, ...run.term.variables]);
      const [termGrads, modelGrads] = partition(grads, termVariables);
      optimizer.applyGradients(modelGrads);
      if (termVariables.size > 0) termOptimizer.applyGradients(termGrads);
      tf.dispose(Object.values(grads));
      disposeInputs(batch.inputs);
      const loss = (await cost.data())[0]!;
      cost.dispose();
      if (!Number.isFinite(loss)) {
        throw new AdaptdError('TRAINING_FAILED', `alignment loss became ${loss} at step ${s}`, {
          context: { step: s, head: head.name },
        });
      }
      losses.push(loss);
      run.onProgress?.(s + 1, run.steps);
    }
    return losses;
  } finally {
    optimizer.dispose();
    termOptimizer.dispose();
  }
}

/** The optimizers' gradient entry (tfjs does not export its type). */
interface NamedGradient {
  name: string;
  tensor: tf.Tensor;
}

/** Gradients split by variable name: those in `names` first, the rest second. */
function partition(
  grads: tf.NamedTensorMap,
  names: ReadonlySet<string>,
): [NamedGradient[], NamedGradient[]] {
  const inside: NamedGradient[] = [];
  const outside: NamedGradient[] = [];
  for (const [name, tensor] of Object.entries(grads)) {
    (names.has(name) ? inside : outside).push({ name, tensor });
  }
  return [inside, outside];
}

interface LabelledFeed {
  /** The set seen through the task's labels only. */
  windows: LabelledWindows;
  /** Windows with a known label. */
  pool: number;
  draw: (count: number) => number[];
  classWeights: Float32Array;
}

function labelledFeed(
  windows: LabelledWindows,
  head: HeadConfig,
  name: string,
  random: () => number,
): LabelledFeed {
  const own = withLabelsOf(windows, [head.name]);
  const pool = labelledIndices(own, head.name, head.reads === 'step', name);
  return {
    windows: own,
    pool: pool.length,
    draw: indexCycler(pool, random),
    classWeights: balancedClassWeights(own.labels[head.name]!, head.classes.length),
  };
}
