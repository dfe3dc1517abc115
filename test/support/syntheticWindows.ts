import type { LabelledWindows } from '../../src/model/training/windowBatch.js';
import { gaussian, seededRandom } from '../../src/util/random.js';

/**
 * Windows whose `operation` label sets the mean of the first modality's channels and
 * whose `motion` label sets the sign of the last rows of the second: learnable, so a
 * training loop that works must beat chance on them.
 */
export function syntheticWindows(
  count: number,
  length: number,
  channels: number,
  contextSize: number,
  seed: number,
): LabelledWindows {
  const random = seededRandom(seed);
  const operation = new Int32Array(count);
  const motion = new Int32Array(count);
  const x = new Float32Array(count * length * channels);
  for (let w = 0; w < count; w += 1) {
    operation[w] = Math.floor(random() * 3);
    motion[w] = Math.floor(random() * 4);
    for (let t = 0; t < length; t += 1) {
      for (let c = 0; c < channels; c += 1) {
        let value = gaussian(random) * 0.5;
        if (c < channels / 2) value += operation[w]! - 1;
        else if (t >= length - 4) value += motion[w]! - 1.5;
        x[(w * length + t) * channels + c] = value;
      }
    }
  }
  return {
    count,
    length,
    channels,
    contextSize,
    gather(indices) {
      const out = new Float32Array(indices.length * length * channels);
      indices.forEach((w, i) => {
        out.set(
          x.subarray(w * length * channels, (w + 1) * length * channels),
          i * length * channels,
        );
      });
      return { x: out, mask: new Float32Array(indices.length * channels).fill(1) };
    },
    context(indices) {
      const out = new Float32Array(indices.length * contextSize);
      indices.forEach((_, i) => {
        out[i * contextSize] = 1;
      });
      return out;
    },
    labels: { operation, motion },
  };
}
