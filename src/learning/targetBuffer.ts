import { z } from 'zod';
import { AdaptdError } from '../errors.js';
import type { HeadConfig } from '../model/modelConfig.js';
import type { SensorWindow } from '../windows/sensorWindow.js';
import { holdoutSide, type HoldoutPolicy } from './holdout.js';
import type { LabelRange } from './operatorLabels.js';
import type { WindowArrays } from './windowArrays.js';

/** Shapes every buffered window has. */
export interface BufferShape {
  length: number;
  channels: number;
  contextSize: number;
  units: number;
}

/** One buffered target window: its inputs as typed arrays (no tensors), embedding, labels. */
export interface BufferedWindow {
  id: string;
  from: number;
  to: number;
  x: Float32Array;
  mask: Float32Array;
  context: Float32Array;
  embedding: Float32Array;
  /** Class per head; a step head holds one class per row. -1 unknown. */
  labels: Map<string, Int32Array>;
}

/** A frozen copy of the buffer for an adaptation run: adaptation windows and held-back ones. */
export interface TargetSnapshot {
  /** Windows a challenger may train on (with and without labels). */
  adapt: WindowArrays;
  /** Windows in held-back time blocks, for scoring challenger against champion in shadow. */
  heldBack: WindowArrays;
  /** Clock time the snapshot was taken, ms. */
  takenAt: number;
}

export interface TargetBufferOptions {
  heads: readonly HeadConfig[];
  shape: BufferShape;
  /** Most windows kept; the oldest is dropped first. */
  capacity: number;
  holdout: HoldoutPolicy;
  now?: () => number;
}

/**
 * The recent target windows with their embeddings and any labels, bounded to `capacity`
 * (oldest out first). Values are kept as typed arrays, never tensors, so TensorFlow.js memory
 * stays flat however long the daemon runs; `snapshot()` copies them into plain arrays that a
 * child process can take. Memory: capacity x (T C + C + K + units) x 4 bytes plus labels.
 */
export class TargetBuffer {
  private readonly windows: BufferedWindow[] = [];
  private readonly stepHeads: ReadonlySet<string>;

  constructor(private readonly options: TargetBufferOptions) {
    this.stepHeads = new Set(options.heads.filter((h) => h.reads === 'step').map((h) => h.name));
  }

  get size(): number {
    return this.windows.length;
  }

  get capacity(): number {
    return this.options.capacity;
  }

  /** Windows with at least one known label, and windows on the held-back side. */
  counts(): { windows: number; labelled: number; heldBack: number } {
    let labelled = 0;
    let heldBack = 0;
    for (const w of this.windows) {
      if (isLabelled(w)) labelled += 1;
      if (holdoutSide(w.from, w.to, this.options.holdout) === 'heldBack') heldBack += 1;
    }
    return { windows: this.windows.length, labelled, heldBack };
  }

  /**
   * Adds a scored window with its embedding and labels (class per head; per row for a step
   * head) and returns how many old windows were dropped to make room (0 or 1).
   */
  add(
    window: Pick<SensorWindow, 'id' | 'from' | 'to' | 'x' | 'mask' | 'context'>,
    embedding: Float32Array,
    labels: Readonly<Record<string, Int32Array | number>> = {},
  ): number {
    const { length, channels, contextSize, units } = this.options.shape;
    if (
      window.x.length !== length * channels ||
      window.mask.length !== channels ||
      window.context.length !== contextSize ||
      embedding.length !== units
    ) {
      throw new AdaptdError(
        'INTERNAL',
        `window ${window.id} does not fit the target buffer (${length}x${channels} values, ` +
          `${channels} mask, ${contextSize} context, ${units} embedding units)`,
        { context: { window: window.id } },
      );
    }
    const entry: BufferedWindow = {
      id: window.id,
      from: window.from,
      to: window.to,
      x: Float32Array.from(window.x),
      mask: Float32Array.from(window.mask),
      context: Float32Array.from(window.context),
      embedding: Float32Array.from(embedding),
      labels: new Map(),
    };
    for (const [head, value] of Object.entries(labels)) this.setLabel(entry, head, value);
    this.windows.push(entry);
    if (this.windows.length <= this.options.capacity) return 0;
    this.windows.shift();
    return 1;
  }

  /**
   * Labels every buffered window the range covers wholly (every row for a step head); a
   * later label replaces an earlier one. Returns the windows whose label for that head
   * was unknown before, for the prototypes.
   */
  label(range: LabelRange): BufferedWindow[] {
    const fresh: BufferedWindow[] = [];
    for (const w of this.windows) {
      if (!(range.from <= w.from && w.to <= range.to)) continue;
      const before = w.labels.get(range.head);
      if (before === undefined || !before.some((value) => value >= 0)) fresh.push(w);
      this.setLabel(w, range.head, range.classIndex);
    }
    return fresh;
  }

  /** The buffered windows, oldest first (read only). */
  entries(): readonly BufferedWindow[] {
    return this.windows;
  }

  /** Copies the buffer into adaptation and held-back windows (boundary windows left out). */
  snapshot(): TargetSnapshot {
    const adapt: BufferedWindow[] = [];
    const heldBack: BufferedWindow[] = [];
    for (const w of this.windows) {
      const side = holdoutSide(w.from, w.to, this.options.holdout);
      if (side === 'adapt') adapt.push(w);
      else if (side === 'heldBack') heldBack.push(w);
    }
    return {
      adapt: this.arrays(adapt),
      heldBack: this.arrays(heldBack),
      takenAt: (this.options.now ?? Date.now)(),
    };
  }

  toJSON(): TargetBufferState {
    return {
      format: 'adaptd-target-buffer/1',
      shape: { ...this.options.shape },
      windows: this.windows.map((w) => ({
        id: w.id,
        from: w.from,
        to: w.to,
        x: encode(w.x),
        mask: encode(w.mask),
        context: encode(w.context),
        embedding: encode(w.embedding),
        labels: Object.fromEntries([...w.labels].map(([head, values]) => [head, [...values]])),
      })),
    };
  }

  /** Replaces the content with a state saved by toJSON; STATE_CORRUPT when it does not fit. */
  restore(value: unknown): void {
    const parsed = targetBufferStateSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new AdaptdError(
        'STATE_CORRUPT',
        `target buffer state does not parse at ${issue?.path.join('.') ?? '?'}: ${issue?.message}`,
      );
    }
    const state = parsed.data;
    const shape = this.options.shape;
    const keys = ['length', 'channels', 'contextSize', 'units'] as const;
    const differing = keys.filter((key) => state.shape[key] !== shape[key]);
    if (differing.length > 0) {
      throw new AdaptdError(
        'STATE_CORRUPT',
        `target buffer state was saved for windows of another shape: ` +
          differing.map((key) => `${key} ${state.shape[key]} (now ${shape[key]})`).join(', '),
      );
    }
    const known = new Set(this.options.heads.map((h) => h.name));
    const restored = new TargetBuffer(this.options);
    for (const w of state.windows.slice(-this.options.capacity)) {
      const labels: Record<string, Int32Array> = {};
      for (const [head, values] of Object.entries(w.labels)) {
        if (known.has(head)) labels[head] = Int32Array.from(values);
      }
      const window = {
        id: w.id,
        from: w.from,
        to: w.to,
        x: decode(w.x),
        mask: decode(w.mask),
        context: decode(w.context),
      };
      try {
        restored.add(window, decode(w.embedding), labels);
      } catch (error) {
        throw new AdaptdError('STATE_CORRUPT', `target buffer window ${w.id} does not fit`, {
          cause: error,
        });
      }
    }
    this.windows.splice(0, this.windows.length, ...restored.windows);
  }

  private setLabel(entry: BufferedWindow, head: string, value: Int32Array | number): void {
    const rows = this.stepHeads.has(head) ? this.options.shape.length : 1;
    const values = typeof value === 'number' ? new Int32Array(rows).fill(value) : value;
    if (values.length !== rows) {
      throw new AdaptdError(
        'INTERNAL',
        `labels of head ${head} come ${rows} per window, got ${values.length}`,
        { context: { head } },
      );
    }
    entry.labels.set(head, Int32Array.from(values));
  }

  private arrays(windows: readonly BufferedWindow[]): WindowArrays {
    const { length, channels, contextSize, units } = this.options.shape;
    const count = windows.length;
    const x = new Float32Array(count * length * channels);
    const mask = new Float32Array(count * channels);
    const context = new Float32Array(count * contextSize);
    const embeddings = new Float32Array(count * units);
    const labels: Record<string, Int32Array> = {};
    for (const head of this.options.heads) {
      const rows = this.stepHeads.has(head.name) ? length : 1;
      labels[head.name] = new Int32Array(count * rows).fill(-1);
    }
    windows.forEach((w, n) => {
      x.set(w.x, n * length * channels);
      mask.set(w.mask, n * channels);
      context.set(w.context, n * contextSize);
      embeddings.set(w.embedding, n * units);
      for (const [head, values] of w.labels) labels[head]?.set(values, n * values.length);
    });
    return {
      count,
      length,
      channels,
      contextSize,
      units,
      ids: windows.map((w) => w.id),
      from: windows.map((w) => w.from),
      to: windows.map((w) => w.to),
      x,
      mask,
      context,
      embeddings,
      labels,
    };
  }
}

function isLabelled(w: BufferedWindow): boolean {
  for (const values of w.labels.values()) if (values.some((value) => value >= 0)) return true;
  return false;
}

/** Float32 values as base64 of their bytes: exact, and a quarter of the size of JSON numbers. */
function encode(values: Float32Array): string {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');
}

function decode(text: string): Float32Array {
  const bytes = Buffer.from(text, 'base64');
  const copy = new Uint8Array(bytes);
  return new Float32Array(copy.buffer, 0, Math.floor(copy.byteLength / 4));
}

const targetBufferStateSchema = z.object({
  format: z.literal('adaptd-target-buffer/1'),
  shape: z.object({
    length: z.number().int().positive(),
    channels: z.number().int().positive(),
    contextSize: z.number().int().nonnegative(),
    units: z.number().int().positive(),
  }),
  windows: z.array(
    z.object({
      id: z.string(),
      from: z.number(),
      to: z.number(),
      x: z.string(),
      mask: z.string(),
      context: z.string(),
      embedding: z.string(),
      labels: z.record(z.string(), z.array(z.number().int().min(-1))),
    }),
  ),
});

/** The buffer as persisted between restarts. */
export type TargetBufferState = z.infer<typeof targetBufferStateSchema>;
