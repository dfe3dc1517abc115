import * as tf from '@tensorflow/tfjs';
import { seededRandom } from '../util/random.js';
import { adapter } from './layers/adapter.js';
import { attentionPool } from './layers/attentionPool.js';
import { selfAttention } from './layers/attention.js';
import { dense } from './layers/dense.js';
import { gru } from './layers/gru.js';
import { layerNorm } from './layers/layerNorm.js';
import { headGroup, type ModelConfig } from './modelConfig.js';
import { ParameterStore } from './parameterStore.js';

export interface ModelInputs {
  /** Normalised channel values [batch, windowLength, channels]; missing channels hold 0. */
  x: tf.Tensor3D;
  /** Channel presence [batch, channels]: 1 present, 0 missing. */
  mask: tf.Tensor2D;
  /** Controller categorical state, one-hot [batch, contextSize]. */
  context: tf.Tensor2D;
}

export interface ForwardOptions {
  /** Tokens to replace by the learned mask token [batch*tokens, 1] (denoising). */
  tokenMask?: tf.Tensor2D;
  /** Also compute the reconstruction head. */
  reconstruct?: boolean;
  /** Skip the heads (embedding only). */
  headless?: boolean;
}

export interface ModelOutputs {
  /** Pooled window embedding [batch, recurrentUnits]. */
  embedding: tf.Tensor2D;
  /** Last recurrent state [batch, recurrentUnits]. */
  last: tf.Tensor2D;
  /** Logits per head: [batch, classes], or [batch*windowLength, classes] for step heads. */
  logits: Record<string, tf.Tensor2D>;
  /** Reconstructed patches [batch*tokens, patch*channels], when asked for. */
  reconstruction?: tf.Tensor2D;
}

/**
 * The MM-DTAE-LSTM sensor encoder: a projection per modality over 4-row patches,
 * gated fusion across modalities, pre-norm transformer blocks with adapter slots,
 * a GRU over the tokens and attention pooling to one embedding per window.
 * All variables live in a ParameterStore, grouped for the fine-tuning strategies.
 */
export class SensorModel {
  readonly store: ParameterStore;
  readonly tokens: number;
  private readonly modalityIndices: tf.Tensor1D[];
  /** Per modality, its channels as [first, count] when they are one contiguous range. */
  private readonly modalityRanges: Array<[number, number] | undefined>;

  constructor(
    readonly config: ModelConfig,
    seed = 1,
  ) {
    this.store = new ParameterStore(seededRandom(seed));
    this.tokens = config.windowLength / config.patch;
    this.modalityIndices = config.modalities.map((m) => tf.tensor1d(m.channels, 'int32'));
    this.modalityRanges = config.modalities.map((m) => contiguousRange(m.channels));
    // Build every variable once so that groups and counts exist before training.
    tf.tidy(() => {
      const batch = 1;
      this.forward(
        {
          x: tf.zeros([batch, config.windowLength, config.channels]),
          mask: tf.ones([batch, config.channels]),
          context: tf.zeros([batch, config.contextSize]),
        },
        { reconstruct: true, tokenMask: tf.zeros([batch * this.tokens, 1]) },
      );
    });
  }

  forward(inputs: ModelInputs, options: ForwardOptions = {}): ModelOutputs {
    const batch = inputs.x.shape[0];
    const encoded = this.encodeTokens(inputs, options.tokenMask);
    let tokens = encoded;
    for (let block = 0; block < this.config.blocks; block += 1) {
      tokens = this.block(tokens, block, batch);
    }
    const units = this.config.recurrentUnits;
    const states = gru(this.store, 'recurrent', 'recurrent', tokens, batch, this.tokens, units);
    const embedding = attentionPool(this.store, 'pool', 'pool', states, batch, this.tokens);
    const last = tf.reshape(
      tf.slice(
        tf.reshape(states, [batch, this.tokens, units]),
        [0, this.tokens - 1, 0],
        [-1, 1, -1],
      ),
      [batch, units],
    ) as tf.Tensor2D;
    const logits: Record<string, tf.Tensor2D> = {};
    if (options.headless !== true) {
      const endFeatures = tf.concat([embedding, last], 1);
      for (const head of this.config.heads) {
        logits[head.name] =
          head.reads === 'step'
            ? this.stepHead(head.name, tf.concat([tokens, states], 1), head.classes.length, batch)
            : this.head(
                head.name,
                head.reads === 'end' ? endFeatures : embedding,
                head.classes.length,
              );
      }
    }
    const outputs: ModelOutputs = { embedding, last, logits };
    if (options.reconstruct === true) {
      const size = this.config.patch * this.config.channels;
      outputs.reconstruction = dense(this.store, 'reconstruct', 'head.reconstruct', tokens, size);
    }
    return outputs;
  }

  /** An independent copy with equal weights: strategies each start from their own copy. */
  clone(): SensorModel {
    const copy = new SensorModel(this.config);
    const values = this.store.snapshot();
    try {
      copy.store.assign(values);
    } finally {
      tf.dispose(Object.values(values));
    }
    return copy;
  }

  /** Applies one named head to features [batch, f]; used again by strategies on embeddings. */
  head(name: string, features: tf.Tensor2D, classes: number): tf.Tensor2D {
    return dense(this.store, `head.${name}`, headGroup(name), features, classes);
  }

  /** Per-row logits [batch*windowLength, classes] from token features [batch*tokens, f]. */
  private stepHead(
    name: string,
    features: tf.Tensor2D,
    classes: number,
    batch: number,
  ): tf.Tensor2D {
    const { patch, windowLength } = this.config;
    const perToken = dense(this.store, `head.${name}`, headGroup(name), features, patch * classes);
    return tf.reshape(perToken, [batch * windowLength, classes]);
  }

  dispose(): void {
    this.store.dispose();
    for (const indices of this.modalityIndices) indices.dispose();
  }

  /** Patch projection per modality, gated fusion, context and position: [batch*tokens, width]. */
  private encodeTokens(inputs: ModelInputs, tokenMask?: tf.Tensor2D): tf.Tensor2D {
    const { patch, width } = this.config;
    const batch = inputs.x.shape[0];
    const rows = batch * this.tokens;
    const projected: tf.Tensor2D[] = [];
    const gates: tf.Tensor2D[] = [];
    this.config.modalities.forEach((modality, m) => {
      const indices = this.modalityIndices[m]!;
      const range = this.modalityRanges[m];
      const size = modality.channels.length;
      // A slice of a contiguous channel range costs a fraction of a gather (BENCHMARKS.md).
      const channels =
        range === undefined
          ? tf.gather(inputs.x, indices, 2)
          : tf.slice(inputs.x, [0, 0, range[0]], [-1, -1, range[1]]);
      const masks =
        range === undefined
          ? tf.gather(inputs.mask, indices, 1)
          : tf.slice(inputs.mask, [0, range[0]], [-1, range[1]]);
      const values = tf.reshape(channels, [rows, patch * size]);
      const present = tf.sum(masks, 1, true);
      // Rescale by the share of channels present so a masked channel does not shrink the sum.
      const scale = tf.div(size, tf.maximum(present, 1));
      const raw = dense(
        this.store,
        `input.${modality.name}`,
        'input',
        values as tf.Tensor2D,
        width,
      );
      const scaled = tf.reshape(
        tf.mul(tf.reshape(raw, [batch, this.tokens, width]), tf.reshape(scale, [batch, 1, 1])),
        [rows, width],
      ) as tf.Tensor2D;
      projected.push(tf.relu(scaled));
      const gate = dense(this.store, `fusion.${modality.name}`, 'fusion', tf.tanh(scaled), 1);
      const absent = tf.reshape(tf.tile(tf.equal(present, 0), [1, this.tokens]), [rows, 1]);
      gates.push(tf.where(absent, tf.fill([rows, 1], -1e9), gate));
    });
    const weights = tf.softmax(tf.concat(gates, 1), -1);
    const stacked = tf.stack(projected, 1);
    let fused = tf.reshape(tf.matMul(tf.reshape(weights, [rows, 1, projected.length]), stacked), [
      rows,
      width,
    ]) as tf.Tensor2D;
    if (tokenMask !== undefined) {
      const maskToken = this.store.get({
        name: 'input.maskToken',
        group: 'input',
        shape: [1, width],
        init: { normal: 0.02 },
        decay: false,
      });
      fused = tf.add(tf.mul(fused, tf.sub(1, tokenMask)), tf.mul(maskToken, tokenMask));
    }
    const context = dense(this.store, 'input.context', 'input', inputs.context, width);
    const position = this.store.get({
      name: 'input.position',
      group: 'input',
      shape: [this.tokens, width],
      init: { normal: 0.02 },
      decay: false,
    });
    const withContext = tf.add(
      tf.add(
        tf.reshape(fused, [batch, this.tokens, width]),
        tf.reshape(context, [batch, 1, width]),
      ),
      position,
    );
    return tf.reshape(withContext, [rows, width]);
  }

  /** One pre-norm transformer block with adapters after attention and feed-forward. */
  private block(x: tf.Tensor2D, index: number, batch: number): tf.Tensor2D {
    const group = `block${index}`;
    const { attentionHeads, feedForward, adapterWidth, width } = this.config;
    const adapters = `adapter.${group}`;
    const attended = selfAttention(
      this.store,
      `${group}.attention`,
      group,
      layerNorm(this.store, `${group}.norm1`, group, x),
      { batch, tokens: this.tokens, heads: attentionHeads },
    );
    const afterAttention = tf.add<tf.Tensor2D>(
      x,
      adapter(this.store, `${adapters}.attention`, adapters, attended, adapterWidth),
    );
    const hidden = tf.relu(
      dense(
        this.store,
        `${group}.ff1`,
        group,
        layerNorm(this.store, `${group}.norm2`, group, afterAttention),
        feedForward,
      ),
    );
    const fed = dense(this.store, `${group}.ff2`, group, hidden, width);
    return tf.add<tf.Tensor2D>(
      afterAttention,
      adapter(this.store, `${adapters}.feedForward`, adapters, fed, adapterWidth),
    );
  }
}

/** [first, count] when `channels` are consecutive ascending indices, else undefined. */
function contiguousRange(channels: readonly number[]): [number, number] | undefined {
  const first = channels[0];
  if (first === undefined) return undefined;
  return channels.every((channel, i) => channel === first + i)
    ? [first, channels.length]
    : undefined;
}
