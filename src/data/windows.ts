import { AdaptdError } from '../errors.js';
import { bindRun, type ChannelSchema } from './channelSchema.js';
import { CONTEXT_SIZE, encodeContext } from './controllerContext.js';
import { feedBandClass, motionClass, OPERATIONS, TOOLS, VARIANTS } from './labels.js';
import type { Normaliser } from './normaliser.js';
import type { RunInfo } from './runCatalog.js';
import type { ControllerStateKey, RunFrame } from './runFrame.js';
import { runMatrix } from './runMatrix.js';
import {
  DEFAULT_WINDOW,
  observedStretches,
  windowStarts,
  type WindowOptions,
} from './windowIndex.js';

export { OPERATIONS, TOOLS, VARIANTS };
export type { WindowOptions };

/** A batch cut from a window set. */
export interface WindowBatch {
  /** [n, T, C] normalised sensor values. */
  x: Float32Array;
  /** [n, C] 1 where the channel is present in the window's run. */
  mask: Float32Array;
}

interface RunStore {
  matrix: Float32Array;
  present: Uint8Array;
  state: Record<ControllerStateKey, Int16Array>;
}

/**
 * Fixed-length windows over recorded runs, never crossing a run or a stretch. Each run
 * is stored once as [rows, C]; a window is an index (run, start row), so overlapping
 * windows cost no memory. Labels are class ids from the exported maps, -1 where unknown.
 */
export class WindowSet {
  readonly count: number;
  /** Class ids at the window level (from the run). */
  readonly operation: Int32Array;
  readonly variant: Int32Array;
  readonly tool: Int32Array;
  /** MOTIONS id at the window's last row. */
  readonly motion: Int32Array;
  /** [count, T] MOTIONS id of every row. */
  readonly motionSteps: Int8Array;
  /** FEED_BANDS id at the window's last row. */
  readonly feedBand: Int32Array;
  /** The executing G-code line's text at the window's last row. */
  readonly gcodeText: string[];

  /** Made by `buildWindowSet`; `frames` only supply the labels and are not kept. */
  constructor(
    readonly schema: ChannelSchema,
    readonly length: number,
    readonly runs: RunInfo[],
    private readonly stores: RunStore[],
    readonly windowRun: Int32Array,
    readonly windowStart: Int32Array,
    frames: readonly RunFrame[],
  ) {
    const count = windowRun.length;
    this.count = count;
    this.operation = new Int32Array(count);
    this.variant = new Int32Array(count);
    this.tool = new Int32Array(count);
    this.motion = new Int32Array(count);
    this.motionSteps = new Int8Array(count * length);
    this.feedBand = new Int32Array(count);
    this.gcodeText = new Array<string>(count);
    for (let i = 0; i < count; i += 1) {
      const frame = frames[windowRun[i] ?? 0] as RunFrame;
      const start = windowStart[i] ?? 0;
      const last = start + length - 1;
      this.operation[i] = OPERATIONS.indexOf(frame.info.operation);
      this.variant[i] = VARIANTS.indexOf(frame.info.variant);
      this.tool[i] = TOOLS.indexOf(frame.info.tool);
      this.motion[i] = motionClass(frame.motion[last] ?? -1);
      this.feedBand[i] = feedBandClass(frame.motion[last] ?? -1, frame.feed[last] ?? Number.NaN);
      this.gcodeText[i] = frame.gcodeText[last] ?? '';
      for (let t = 0; t < length; t += 1) {
        this.motionSteps[i * length + t] = motionClass(frame.motion[start + t] ?? -1);
      }
    }
  }

  /** C, the number of schema channels. */
  get channels(): number {
    return this.schema.channels.length;
  }

  /** [C] presence of each channel in window `i`'s run (a copy). */
  mask(i: number): Uint8Array {
    return this.store(i).present.slice();
  }

  /**
   * Copies the windows `indices` into `x` [n, T, C] (into `out` when it is large enough)
   * and their masks into [n, C]. Each window is one contiguous block of its run's matrix.
   */
  gather(indices: readonly number[], out?: Float32Array): WindowBatch {
    const block = this.length * this.channels;
    const size = indices.length * block;
    const x =
      out !== undefined && out.length >= size ? out.subarray(0, size) : new Float32Array(size);
    const mask = new Float32Array(indices.length * this.channels);
    indices.forEach((index, n) => {
      const store = this.store(index);
      const from = (this.windowStart[index] ?? 0) * this.channels;
      x.set(store.matrix.subarray(from, from + block), n * block);
      mask.set(store.present, n * this.channels);
    });
    return { x, mask };
  }

  /** [n, K] one-hot controller state at each window's last row (see controllerContext). */
  context(indices: readonly number[]): Float32Array {
    const out = new Float32Array(indices.length * CONTEXT_SIZE);
    indices.forEach((index, n) => {
      const last = (this.windowStart[index] ?? 0) + this.length - 1;
      encodeContext(this.store(index).state, last, out, n * CONTEXT_SIZE);
    });
    return out;
  }

  /** Indices of the windows cut from the given runs, in window order. */
  windowsOf(runs: readonly Pick<RunInfo, 'id'>[]): number[] {
    const wanted = new Set(runs.map((run) => run.id));
    const picked = new Set<number>();
    this.runs.forEach((run, r) => {
      if (wanted.has(run.id)) picked.add(r);
    });
    const indices: number[] = [];
    for (let i = 0; i < this.count; i += 1)
      if (picked.has(this.windowRun[i] ?? -1)) indices.push(i);
    return indices;
  }

  private store(index: number): RunStore {
    if (!Number.isInteger(index) || index < 0 || index >= this.count) {
      throw new AdaptdError('INTERNAL', `window ${index} is out of range 0..${this.count - 1}`, {
        context: { index, count: this.count },
      });
    }
    return this.stores[this.windowRun[index] ?? 0] as RunStore;
  }
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new AdaptdError(
      'CONFIG_INVALID',
      `window ${name} is ${value}; a positive integer is required`,
      {
        context: { [name]: value },
      },
    );
  }
  return value;
}

/** Cuts windows from every frame with the schema's channels, normalised by `normaliser`. */
export function buildWindowSet(
  frames: readonly RunFrame[],
  schema: ChannelSchema,
  normaliser: Normaliser,
  options: WindowOptions = {},
): WindowSet {
  normaliser.assertMatches(schema);
  const ids = frames.map((frame) => frame.info.id);
  const repeated = ids.filter((id, i) => ids.indexOf(id) !== i);
  if (repeated.length > 0) {
    throw new AdaptdError(
      'DATA_INVALID',
      `run ${repeated[0]} is given twice; windows would repeat`,
      {
        context: { repeated },
      },
    );
  }
  const length = positiveInteger('length', options.length ?? DEFAULT_WINDOW.length);
  const stride = positiveInteger('stride', options.stride ?? DEFAULT_WINDOW.stride);
  const stores: RunStore[] = [];
  const runOf: number[] = [];
  const startOf: number[] = [];
  frames.forEach((frame, r) => {
    const { present } = bindRun(schema, frame);
    const stretches = observedStretches(frame, schema, present, options.maxGapSeconds);
    for (const start of windowStarts(stretches, length, stride)) {
      runOf.push(r);
      startOf.push(start);
    }
    const matrix = runMatrix(frame, schema, normaliser, present, stretches);
    stores.push({ matrix, present, state: frame.state });
  });
  return new WindowSet(
    schema,
    length,
    frames.map((frame) => frame.info),
    stores,
    Int32Array.from(runOf),
    Int32Array.from(startOf),
    frames,
  );
}
