import * as tf from '@tensorflow/tfjs';
import { AdaptdError } from '../errors.js';
import type { HeadConfig } from '../model/modelConfig.js';
import type { SensorModel } from '../model/sensorModel.js';
import type { SensorWindow } from '../windows/sensorWindow.js';

/** One head's answer for one window. */
export interface HeadResult {
  classIndex: number;
  label: string;
  /** Softmax probability of the predicted class. */
  confidence: number;
  /** Softmax entropy in nats. */
  entropy: number;
}

/** Heads published per window; the G-code token heads serve training, not operators. */
export const SERVED_HEADS: readonly string[] = [
  'operation',
  'variant',
  'tool',
  'motion',
  'feedBand',
];

/** A scored batch: head results per window and the pooled embeddings [B, units], row-major. */
export interface ScoredBatch {
  results: Array<Record<string, HeadResult>>;
  embeddings: Float32Array;
}

/**
 * Runs the model in service over a batch of windows inside tf.tidy and reads back one softmax
 * per head: for a step head (motion, logits [B*T, K]) the last row's, since a prediction speaks
 * for the end of its window. The pooled embedding comes back in the same read-back, for drift
 * and the target buffer. The only place the daemon's inference touches TensorFlow.js.
 */
export class WindowPredictor {
  readonly heads: readonly HeadConfig[];

  constructor(private readonly model: SensorModel) {
    this.heads = model.config.heads.filter((head) => SERVED_HEADS.includes(head.name));
  }

  async predict(windows: readonly SensorWindow[]): Promise<Array<Record<string, HeadResult>>> {
    return (await this.score(windows)).results;
  }

  /** Head results and embeddings of a batch from one model call. */
  async score(windows: readonly SensorWindow[]): Promise<ScoredBatch> {
    const batch = windows.length;
    const units = this.model.config.recurrentUnits;
    if (batch === 0) return { results: [], embeddings: new Float32Array(0) };
    const { windowLength: T, channels: C, contextSize: K } = this.model.config;
    const x = new Float32Array(batch * T * C);
    const mask = new Float32Array(batch * C);
    const context = new Float32Array(batch * K);
    windows.forEach((window, n) => {
      if (window.x.length !== T * C || window.context.length !== K) {
        throw new AdaptdError(
          'INTERNAL',
          `window ${window.id} holds ${window.x.length} values and ${window.context.length} ` +
            `context entries; the model takes ${T}x${C} and ${K}`,
          { context: { window: window.id } },
        );
      }
      x.set(window.x, n * T * C);
      mask.set(window.mask, n * C);
      context.set(window.context, n * K);
    });
    const probabilities = tf.tidy(() => {
      const outputs = this.model.forward({
        x: tf.tensor3d(x, [batch, T, C]),
        mask: tf.tensor2d(mask, [batch, C]),
        context: tf.tensor2d(context, [batch, K]),
      });
      const perHead = this.heads.map((head) => {
        const logits = outputs.logits[head.name]!;
        const classes = head.classes.length;
        const last =
          head.reads === 'step'
            ? tf.reshape(
                tf.slice(tf.reshape(logits, [batch, T, classes]), [0, T - 1, 0], [-1, 1, -1]),
                [batch, classes],
              )
            : logits;
        return tf.softmax(last);
      });
      // One read-back for every head and the embedding instead of one per head.
      return tf.concat([...perHead, outputs.embedding], 1);
    });
    const values = (await probabilities.data()) as Float32Array;
    probabilities.dispose();
    const classes = this.heads.reduce((sum, head) => sum + head.classes.length, 0);
    const width = classes + units;
    const embeddings = new Float32Array(batch * units);
    const results = windows.map((_, n) => {
      const result: Record<string, HeadResult> = {};
      let offset = n * width;
      for (const head of this.heads) {
        result[head.name] = readHead(head, values.subarray(offset, offset + head.classes.length));
        offset += head.classes.length;
      }
      embeddings.set(values.subarray(offset, offset + units), n * units);
      return result;
    });
    return { results, embeddings };
  }
}

function readHead(head: HeadConfig, probabilities: Float32Array): HeadResult {
  let best = 0;
  let entropy = 0;
  probabilities.forEach((p, k) => {
    if (p > probabilities[best]!) best = k;
    if (p > 0) entropy -= p * Math.log(p);
  });
  return {
    classIndex: best,
    label: head.classes[best]!,
    confidence: Math.min(1, Math.max(0, probabilities[best]!)),
    entropy: Math.max(0, entropy),
  };
}
