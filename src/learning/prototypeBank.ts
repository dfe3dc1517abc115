import { z } from 'zod';
import { AdaptdError } from '../errors.js';
import type { HeadConfig } from '../model/modelConfig.js';
import {
  PrototypeClassifier,
  type PrototypeSnapshot,
} from '../strategies/fewShot/prototypeClassifier.js';

/** Per-dimension standardisation of embeddings before distances: (x - mean) / std. */
export interface EmbeddingScale {
  mean: readonly number[];
  std: readonly number[];
}

/** Supports of one class of one head. */
export interface SupportCount {
  head: string;
  className: string;
  count: number;
}

/**
 * Few-shot prototypes of the target, one streaming prototype classifier per head, updated as
 * labels arrive (operator labels, and the G-code stream's motion labels). Embeddings are
 * standardised with a fixed scale (the drift reference's, so prototypes saved before a
 * restart stay comparable); squared Euclidean distance. A step head (motion) takes the label
 * of the window's last row, the row its prediction speaks for. A window is added once per
 * head, when its label first becomes known: a running mean cannot take a support back out,
 * so a later correction of the same window changes the buffer's label but not the prototype.
 */
export class PrototypeBank {
  private readonly classifiers = new Map<string, PrototypeClassifier>();

  constructor(
    private readonly heads: readonly HeadConfig[],
    readonly units: number,
    private readonly scale?: EmbeddingScale,
  ) {
    if (scale !== undefined && (scale.mean.length !== units || scale.std.length !== units)) {
      throw new AdaptdError(
        'MODEL_INVALID',
        `prototype scale has ${scale.mean.length} means and ${scale.std.length} scales for ` +
          `${units} embedding units`,
      );
    }
    for (const head of heads) {
      this.classifiers.set(head.name, new PrototypeClassifier(units, head.classes.length));
    }
  }

  /** Adds one labelled embedding [units] as a support of `classIndex` of `head`. */
  add(head: string, classIndex: number, embedding: ArrayLike<number>): void {
    const classifier = this.classifiers.get(head);
    if (classifier === undefined || classIndex < 0) return;
    classifier.add(this.standardise(embedding), classIndex);
  }

  /** Class probabilities of one embedding for a head; undefined while it has no support. */
  predict(head: string, embedding: ArrayLike<number>): Float32Array | undefined {
    const classifier = this.classifiers.get(head);
    if (classifier === undefined || classifier.counts().every((count) => count === 0)) {
      return undefined;
    }
    return classifier.predict(Float32Array.from(this.standardise(embedding)));
  }

  /** Supports per class of every head, zero counts included. */
  supports(): SupportCount[] {
    return this.heads.flatMap((head) => {
      const counts = this.classifiers.get(head.name)!.counts();
      return head.classes.map((className, k) => ({
        head: head.name,
        className,
        count: counts[k]!,
      }));
    });
  }

  /** Forgets every prototype (after the embedding space changes, e.g. a promotion). */
  reset(): void {
    for (const classifier of this.classifiers.values()) classifier.reset();
  }

  toJSON(): PrototypeBankState {
    return {
      format: 'adaptd-prototypes/1',
      units: this.units,
      heads: Object.fromEntries(
        [...this.classifiers].map(([head, classifier]) => [head, classifier.snapshot()]),
      ),
    };
  }

  /**
   * Restores prototypes saved by toJSON; STATE_CORRUPT when they were saved for other
   * embeddings or classes. Heads the model no longer has are ignored.
   */
  restore(value: unknown): void {
    const parsed = prototypeBankStateSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new AdaptdError(
        'STATE_CORRUPT',
        `prototype state does not parse at ${issue?.path.join('.') ?? '?'}: ${issue?.message}`,
      );
    }
    const state = parsed.data;
    if (state.units !== this.units) {
      throw new AdaptdError(
        'STATE_CORRUPT',
        `prototypes were saved for ${state.units} embedding units; the model has ${this.units}`,
      );
    }
    const restored = new Map<string, PrototypeClassifier>();
    for (const head of this.heads) {
      const snapshot = state.heads[head.name];
      if (snapshot === undefined) continue;
      if (snapshot.counts.length !== head.classes.length || snapshot.dim !== this.units) {
        throw new AdaptdError(
          'STATE_CORRUPT',
          `prototypes of head ${head.name} were saved for ${snapshot.counts.length} classes of ` +
            `${snapshot.dim} units; the model has ${head.classes.length} of ${this.units}`,
        );
      }
      restored.set(head.name, PrototypeClassifier.fromSnapshot(snapshot));
    }
    for (const [head, classifier] of restored) this.classifiers.set(head, classifier);
  }

  private standardise(embedding: ArrayLike<number>): Float64Array {
    const out = Float64Array.from(embedding);
    if (this.scale === undefined) return out;
    for (let d = 0; d < out.length; d += 1) {
      out[d] = (out[d]! - this.scale.mean[d]!) / this.scale.std[d]!;
    }
    return out;
  }
}

const snapshotSchema: z.ZodType<PrototypeSnapshot> = z.object({
  dim: z.number().int().positive(),
  distance: z.enum(['cosine', 'squaredEuclidean']),
  means: z.array(z.array(z.number())),
  counts: z.array(z.number().int().nonnegative()),
});

const prototypeBankStateSchema = z.object({
  format: z.literal('adaptd-prototypes/1'),
  units: z.number().int().positive(),
  heads: z.record(z.string(), snapshotSchema),
});

/** The prototypes as persisted between restarts. */
export type PrototypeBankState = z.infer<typeof prototypeBankStateSchema>;
