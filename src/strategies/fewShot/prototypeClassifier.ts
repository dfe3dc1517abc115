import { AdaptdError } from '../../errors.js';

export type PrototypeDistance = 'cosine' | 'squaredEuclidean';

/** What a classifier holds, as plain numbers, for persisting and restoring it. */
export interface PrototypeSnapshot {
  dim: number;
  distance: PrototypeDistance;
  /** Running mean per class ([] for a class without support). */
  means: number[][];
  counts: number[];
}

/**
 * A prototypical classifier: one prototype per class, the mean of its labelled
 * embeddings, updated one embedding at a time as labels arrive (a running mean, so
 * nothing but the mean and the count is kept). Rows are classified by softmax over
 * negative distances to the prototypes; classes with no support get probability 0.
 * Embeddings should be standardised by the caller, as distances weigh every dimension alike.
 */
export class PrototypeClassifier {
  private readonly means: Float64Array[];
  private readonly supportCounts: number[];

  /** `scale` multiplies distances before the softmax (cosine distances are small). */
  constructor(
    readonly dim: number,
    readonly classes: number,
    readonly distance: PrototypeDistance = 'squaredEuclidean',
    readonly scale = distance === 'cosine' ? 10 : 1,
  ) {
    this.means = Array.from({ length: classes }, () => new Float64Array(dim));
    this.supportCounts = new Array<number>(classes).fill(0);
  }

  static fromSnapshot(snapshot: PrototypeSnapshot): PrototypeClassifier {
    const classifier = new PrototypeClassifier(
      snapshot.dim,
      snapshot.counts.length,
      snapshot.distance,
    );
    snapshot.counts.forEach((count, c) => {
      const mean = snapshot.means[c];
      if (count > 0 && mean?.length !== snapshot.dim) {
        throw new AdaptdError(
          'STATE_CORRUPT',
          `prototype of class ${c} has ${mean?.length ?? 0} values; expected ${snapshot.dim}`,
        );
      }
      if (count > 0) classifier.means[c]!.set(mean!);
      classifier.supportCounts[c] = count;
    });
    return classifier;
  }

  /** Adds one labelled embedding [dim] to its class's running mean. */
  add(embedding: ArrayLike<number>, label: number): void {
    if (!Number.isInteger(label) || label < 0 || label >= this.classes) {
      throw new AdaptdError(
        'TRAINING_FAILED',
        `prototype label ${label} is outside 0..${this.classes - 1}`,
      );
    }
    if (embedding.length !== this.dim) {
      throw new AdaptdError(
        'TRAINING_FAILED',
        `prototype embedding has ${embedding.length} values; the classifier takes ${this.dim}`,
      );
    }
    const count = (this.supportCounts[label] = this.supportCounts[label]! + 1);
    const mean = this.means[label]!;
    for (let d = 0; d < this.dim; d += 1) mean[d]! += (embedding[d]! - mean[d]!) / count;
  }

  /** Forgets every prototype. */
  reset(): void {
    for (const mean of this.means) mean.fill(0);
    this.supportCounts.fill(0);
  }

  /** Support embeddings seen per class. */
  counts(): number[] {
    return [...this.supportCounts];
  }

  /** The prototype of a class, undefined while it has no support. */
  prototype(label: number): Float64Array | undefined {
    return this.supportCounts[label]! > 0 ? Float64Array.from(this.means[label]!) : undefined;
  }

  /** Class probabilities [n, classes] of row-major embeddings [n, dim]. */
  predict(rows: Float32Array): Float32Array {
    const present = this.supportCounts.flatMap((count, c) => (count > 0 ? [c] : []));
    if (present.length === 0) {
      throw new AdaptdError('TRAINING_FAILED', 'prototype classifier has no labelled embeddings');
    }
    const n = rows.length / this.dim;
    const out = new Float32Array(n * this.classes);
    const logits = new Float64Array(present.length);
    for (let r = 0; r < n; r += 1) {
      const row = rows.subarray(r * this.dim, (r + 1) * this.dim);
      present.forEach((c, k) => (logits[k] = -this.scale * this.distanceTo(row, this.means[c]!)));
      const max = Math.max(...logits);
      let sum = 0;
      for (let k = 0; k < present.length; k += 1) sum += Math.exp(logits[k]! - max);
      present.forEach((c, k) => (out[r * this.classes + c] = Math.exp(logits[k]! - max) / sum));
    }
    return out;
  }

  snapshot(): PrototypeSnapshot {
    return {
      dim: this.dim,
      distance: this.distance,
      means: this.means.map((mean, c) => (this.supportCounts[c]! > 0 ? Array.from(mean) : [])),
      counts: this.counts(),
    };
  }

  private distanceTo(row: Float32Array, mean: Float64Array): number {
    if (this.distance === 'squaredEuclidean') {
      let sum = 0;
      for (let d = 0; d < this.dim; d += 1) sum += (row[d]! - mean[d]!) ** 2;
      return sum;
    }
    let dot = 0;
    let rowNorm = 0;
    let meanNorm = 0;
    for (let d = 0; d < this.dim; d += 1) {
      dot += row[d]! * mean[d]!;
      rowNorm += row[d]! ** 2;
      meanNorm += mean[d]! ** 2;
    }
    return 1 - dot / Math.max(Math.sqrt(rowNorm * meanNorm), 1e-12);
  }
}
