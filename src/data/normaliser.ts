import { z } from 'zod';
import { AdaptdError } from '../errors.js';
import type { ChannelSchema } from './channelSchema.js';
import { bindRun } from './channelSchema.js';
import type { RunInfo } from './runCatalog.js';
import type { RunFrame } from './runFrame.js';

/** IQR of a standard normal distribution: dividing by it makes the scale comparable to a std. */
const NORMAL_IQR = 1.349;

export interface NormaliserJSON {
  version: 1;
  channels: string[];
  centre: number[];
  scale: number[];
  /** Normalised values are clipped to [-clip, clip]. */
  clip: number;
  /** Run ids the statistics come from. */
  fittedOn: string[];
}

export interface FitOptions {
  /**
   * Fit on these runs only (the training part of a split); every one must be among the
   * frames. Without it all given frames are used.
   */
  trainRuns?: readonly RunInfo[];
  /** Most values per channel to sort; more are thinned by an even stride. Default 50,000. */
  maxSamples?: number;
  /** Scale floor relative to max(|median|, 1). Default 1e-3. */
  relativeFloor?: number;
  /** Clip bound of normalised values. Default 10. */
  clip?: number;
}

/**
 * Robust per-channel standardisation: (value - median) / (IQR / 1.349), clipped. The scale
 * has a floor because constant channels (Pressure on most boards, Color on several) have
 * an IQR of zero and would otherwise divide by nothing; the clip keeps a session shift in
 * such a channel from swamping every other input.
 */
export class Normaliser {
  readonly channels: readonly string[];
  private readonly centre: Float64Array;
  private readonly inverseScale: Float64Array;
  private readonly json: NormaliserJSON;

  private constructor(json: NormaliserJSON) {
    this.json = json;
    this.channels = json.channels;
    this.centre = Float64Array.from(json.centre);
    this.inverseScale = Float64Array.from(json.scale, (scale) => 1 / scale);
  }

  /** The normalised value of `value` in channel `c`; NaN stays NaN. */
  apply(c: number, value: number): number {
    const z = (value - (this.centre[c] ?? 0)) * (this.inverseScale[c] ?? 1);
    return z > this.json.clip ? this.json.clip : z < -this.json.clip ? -this.json.clip : z;
  }

  /** Throws unless the normaliser was fitted for exactly this schema's channels. */
  assertMatches(schema: ChannelSchema): void {
    const names = schema.channels.map((spec) => spec.name);
    if (names.join('\n') !== this.channels.join('\n')) {
      throw new AdaptdError(
        'DATA_INVALID',
        `normaliser channels (${this.channels.length}) differ from the schema's (${names.length})`,
        { context: { normaliser: this.channels.length, schema: names.length } },
      );
    }
  }

  toJSON(): NormaliserJSON {
    return structuredClone(this.json);
  }

  static fromJSON(json: unknown): Normaliser {
    const parsed = jsonShape.safeParse(json);
    if (!parsed.success) {
      throw new AdaptdError('DATA_INVALID', `normaliser is malformed: ${parsed.error.message}`, {
        cause: parsed.error,
      });
    }
    const { channels, centre, scale } = parsed.data;
    if (centre.length !== channels.length || scale.length !== channels.length) {
      throw new AdaptdError(
        'DATA_INVALID',
        `normaliser has ${channels.length} channels but ${centre.length} centres and ` +
          `${scale.length} scales; all three must match`,
        { context: { channels: channels.length } },
      );
    }
    if (new Set(channels).size !== channels.length) {
      throw new AdaptdError('DATA_INVALID', 'normaliser repeats a channel name', {});
    }
    return new Normaliser(parsed.data);
  }

  /**
   * Fits centre and scale per schema channel from the rows where the channel is present
   * (bound and not dead) and non-empty. A channel with no such row gets centre 0, scale 1.
   */
  static fit(
    frames: readonly RunFrame[],
    schema: ChannelSchema,
    options: FitOptions = {},
  ): Normaliser {
    const used = selectFrames(frames, options.trainRuns);
    const maxSamples = options.maxSamples ?? 50_000;
    const floor = options.relativeFloor ?? 1e-3;
    const bindings = used.map((frame) => bindRun(schema, frame));
    const totalRows = used.reduce((sum, frame) => sum + frame.rows, 0);
    const buffer = new Float32Array(totalRows);
    const centre: number[] = [];
    const scale: number[] = [];
    schema.channels.forEach((spec, c) => {
      let count = 0;
      used.forEach((frame, f) => {
        const values = frame.values.get(spec.name);
        if (values === undefined || bindings[f]?.present[c] !== 1) return;
        for (const value of values) if (!Number.isNaN(value)) buffer[count++] = value;
      });
      const sample = thin(buffer.subarray(0, count), maxSamples).sort();
      if (sample.length === 0) {
        centre.push(0);
        scale.push(1);
        return;
      }
      const median = quantile(sample, 0.5);
      const iqr = quantile(sample, 0.75) - quantile(sample, 0.25);
      centre.push(median);
      scale.push(Math.max(iqr / NORMAL_IQR, floor * Math.max(Math.abs(median), 1)));
    });
    return new Normaliser({
      version: 1,
      channels: schema.channels.map((spec) => spec.name),
      centre,
      scale,
      clip: options.clip ?? 10,
      fittedOn: used.map((frame) => frame.info.id),
    });
  }
}

function selectFrames(frames: readonly RunFrame[], trainRuns?: readonly RunInfo[]): RunFrame[] {
  if (trainRuns === undefined) return [...frames];
  const byId = new Map(frames.map((frame) => [frame.info.id, frame]));
  return trainRuns.map((run) => {
    const frame = byId.get(run.id);
    if (frame === undefined) {
      throw new AdaptdError('DATA_NOT_FOUND', `training run ${run.id} is not among the frames`, {
        context: { run: run.id },
      });
    }
    return frame;
  });
}

/** Every k-th value so that at most `max` remain; a copy, so sorting leaves the input alone. */
function thin(values: Float32Array, max: number): Float32Array {
  if (values.length <= max) return values.slice();
  const step = values.length / max;
  return Float32Array.from({ length: max }, (_, i) => values[Math.floor(i * step)] ?? 0);
}

/** Linear-interpolated quantile of sorted values. */
function quantile(sorted: Float32Array, q: number): number {
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  const high = Math.min(low + 1, sorted.length - 1);
  const lower = sorted[low] ?? 0;
  return lower + ((sorted[high] ?? lower) - lower) * (at - low);
}

const jsonShape = z.object({
  version: z.literal(1),
  channels: z.array(z.string().min(1)).min(1),
  centre: z.array(z.number().finite()),
  scale: z.array(z.number().finite().positive()),
  clip: z.number().finite().positive(),
  fittedOn: z.array(z.string()),
});
