import type { LabelledWindows } from '../../model/training/windowBatch.js';
import type { ChannelStatistics } from './channelStatistics.js';

/** x' = gain * x + offset per channel [channels], on present values only. */
export interface ChannelCorrection {
  gain: Float64Array;
  offset: Float64Array;
}

/**
 * The per-channel affine map that gives target values the source's robust centre and
 * scale: x' = (x - c_t) / s_t * s_s + c_s. Channels without values on either side, or
 * with a (near) constant target, keep their scale and at most shift their centre:
 * dividing by a zero spread would blow a constant channel up.
 */
export function channelCorrection(
  source: ChannelStatistics,
  target: ChannelStatistics,
  minScale = 1e-3,
): ChannelCorrection {
  const channels = source.centre.length;
  const gain = new Float64Array(channels).fill(1);
  const offset = new Float64Array(channels);
  for (let c = 0; c < channels; c += 1) {
    if (source.counts[c] === 0 || target.counts[c] === 0) continue;
    const scalable = target.scale[c]! >= minScale && source.scale[c]! >= minScale;
    gain[c] = scalable ? source.scale[c]! / target.scale[c]! : 1;
    offset[c] = source.centre[c]! - gain[c]! * target.centre[c]!;
  }
  return { gain, offset };
}

/**
 * Windows whose present values pass through the correction; missing channels stay 0,
 * as the model expects. Labels and context pass through unchanged.
 */
export function correctedWindows(
  windows: LabelledWindows,
  correction: ChannelCorrection,
): LabelledWindows {
  const { channels, length } = windows;
  return {
    count: windows.count,
    length,
    channels,
    contextSize: windows.contextSize,
    gather(indices) {
      const { x, mask } = windows.gather(indices);
      for (let w = 0; w < indices.length; w += 1) {
        for (let c = 0; c < channels; c += 1) {
          if (mask[w * channels + c] === 0) continue;
          const gain = correction.gain[c]!;
          const offset = correction.offset[c]!;
          for (let t = 0; t < length; t += 1) {
            const at = (w * length + t) * channels + c;
            x[at] = x[at]! * gain + offset;
          }
        }
      }
      return { x, mask };
    },
    context: (indices) => windows.context(indices),
    labels: windows.labels,
  };
}
