import type { ModelConfig } from '../../src/model/modelConfig.js';

/**
 * Floating-point operations of one window through the SensorModel's forward pass, counting
 * matrix products only (2 per multiply-add): patch projections, fusion gates and mix,
 * attention projections and products, feed-forward, adapters, the GRU's input and recurrent
 * products, attention pooling, and the heads when asked. Element-wise work (norms, softmax,
 * gates' non-linearities) is left out: it is a few percent of the products at these sizes,
 * so the ceiling computed from this count is slightly optimistic.
 */
export function encoderFlops(config: ModelConfig, heads = false): number {
  const tokens = config.windowLength / config.patch;
  const { width: w, feedForward: f, adapterWidth: a, recurrentUnits: u, patch } = config;
  const m = config.modalities.length;
  let perToken = 0;
  for (const modality of config.modalities) {
    perToken += 2 * patch * modality.channels.length * w; // projection
    perToken += 2 * w; // fusion gate
  }
  perToken += 2 * m * w; // gate-weighted mix
  const perBlockToken =
    4 * 2 * w * w + // query, key, value, output
    2 * 2 * tokens * w + // scores and mixing over all tokens
    2 * 2 * w * f + // feed-forward
    2 * 2 * 2 * w * a; // two adapters, down and up
  perToken += config.blocks * perBlockToken;
  perToken += 2 * w * 3 * u + 2 * u * 3 * u; // GRU input and recurrent products
  perToken += 2 * u * u + 2 * u + 2 * u; // pooling hidden, score, weighted sum
  let total = tokens * perToken + 2 * config.contextSize * w;
  if (heads) {
    for (const head of config.heads) {
      const classes = head.classes.length;
      if (head.reads === 'window') total += 2 * u * classes;
      else if (head.reads === 'end') total += 2 * 2 * u * classes;
      else total += tokens * 2 * (w + u) * patch * classes;
    }
  }
  return total;
}
