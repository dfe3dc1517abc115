import type { LabelledWindows } from '../../model/training/windowBatch.js';

/** IQR of a standard normal distribution: IQR / 1.349 is comparable to a standard deviation. */
const NORMAL_IQR = 1.349;

export interface ChannelStatistics {
  /** Median of each channel's present values [channels]; 0 where never present. */
  centre: Float64Array;
  /** IQR / 1.349 of each channel's present values [channels]; 0 where never present. */
  scale: Float64Array;
  /** Values each statistic rests on, per channel (after thinning). */
  counts: Int32Array;
}

export interface StatisticsOptions {
  /** Most values per channel kept; longer sets are thinned by an even window stride. */
  maxValues?: number;
  /** Windows gathered at a time, bounding the memory of one gather. */
  chunk?: number;
}

/**
 * Robust per-channel centre and scale of all rows of `windows`, counting only channels
 * the mask marks present (a missing channel's zeros are no measurement). The same
 * statistics as the data normaliser's, here on already normalised values.
 */
export function channelStatistics(
  windows: LabelledWindows,
  options: StatisticsOptions = {},
): ChannelStatistics {
  const { count, length, channels } = windows;
  const maxValues = options.maxValues ?? 50_000;
  const chunk = options.chunk ?? 256;
  const stride = Math.max(1, Math.ceil((count * length) / maxValues));
  const picked: number[] = [];
  for (let w = 0; w < count; w += stride) picked.push(w);
  const values = Array.from({ length: channels }, () => [] as number[]);
  for (let start = 0; start < picked.length; start += chunk) {
    const batch = picked.slice(start, start + chunk);
    const { x, mask } = windows.gather(batch);
    batch.forEach((_, i) => {
      for (let c = 0; c < channels; c += 1) {
        if (mask[i * channels + c] === 0) continue;
        const row = values[c]!;
        for (let t = 0; t < length; t += 1) row.push(x[(i * length + t) * channels + c]!);
      }
    });
  }
  const centre = new Float64Array(channels);
  const scale = new Float64Array(channels);
  const counts = new Int32Array(channels);
  values.forEach((row, c) => {
    counts[c] = row.length;
    if (row.length === 0) return;
    const sorted = Float64Array.from(row).sort();
    centre[c] = quantile(sorted, 0.5);
    scale[c] = (quantile(sorted, 0.75) - quantile(sorted, 0.25)) / NORMAL_IQR;
  });
  return { centre, scale, counts };
}

/** Linear-interpolated quantile of sorted values. */
function quantile(sorted: Float64Array, q: number): number {
  const at = q * (sorted.length - 1);
  const low = Math.floor(at);
  const high = Math.min(low + 1, sorted.length - 1);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (at - low);
}
