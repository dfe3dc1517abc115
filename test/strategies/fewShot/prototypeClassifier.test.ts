import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isAdaptdError } from '../../../src/errors.js';
import { PrototypeClassifier } from '../../../src/strategies/fewShot/prototypeClassifier.js';
import { gaussian, seededRandom } from '../../../src/util/random.js';

function randomRows(n: number, dim: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  return Float32Array.from({ length: n * dim }, () => gaussian(random) * 3 + 1);
}

describe('PrototypeClassifier', () => {
  it('keeps as prototype the batch mean of the embeddings added one at a time', () => {
    const dim = 5;
    const rows = randomRows(40, dim, 2);
    const labels = Array.from({ length: 40 }, (_, i) => i % 3);
    const classifier = new PrototypeClassifier(dim, 3);
    labels.forEach((label, i) => classifier.add(rows.subarray(i * dim, (i + 1) * dim), label));
    for (let c = 0; c < 3; c += 1) {
      const members = labels.flatMap((label, i) => (label === c ? [i] : []));
      const prototype = classifier.prototype(c)!;
      for (let d = 0; d < dim; d += 1) {
        const mean = members.reduce((sum, i) => sum + rows[i * dim + d]!, 0) / members.length;
        assert.ok(Math.abs(prototype[d]! - mean) < 1e-9, `class ${c} dim ${d}`);
      }
    }
    assert.deepEqual(classifier.counts(), [14, 13, 13]);
  });

  it('forgets everything on reset', () => {
    const classifier = new PrototypeClassifier(2, 2);
    classifier.add([1, 1], 0);
    classifier.reset();
    assert.deepEqual(classifier.counts(), [0, 0]);
    assert.equal(classifier.prototype(0), undefined);
    classifier.add([3, 5], 0);
    assert.deepEqual([...classifier.prototype(0)!], [3, 5]);
  });

  it('gives the nearest prototype the highest probability, and 0 to classes without support', () => {
    for (const distance of ['squaredEuclidean', 'cosine'] as const) {
      const classifier = new PrototypeClassifier(2, 3, distance);
      classifier.add([1, 0], 0);
      classifier.add([0, 1], 2);
      const p = classifier.predict(Float32Array.from([0.9, 0.1, 0.2, 0.8]));
      assert.ok(p[0]! > p[2]!, distance);
      assert.ok(p[5]! > p[3]!, distance);
      assert.equal(p[1], 0);
      assert.ok(Math.abs(p[0]! + p[2]! - 1) < 1e-6);
    }
  });

  it('uses softmax over negative squared distances', () => {
    const classifier = new PrototypeClassifier(1, 2);
    classifier.add([0], 0);
    classifier.add([2], 1);
    // Distances 1 and 1 from 1; 0.25 and 2.25 from 0.5.
    const p = classifier.predict(Float32Array.from([1, 0.5]));
    assert.ok(Math.abs(p[0]! - 0.5) < 1e-6);
    assert.ok(Math.abs(p[2]! - 1 / (1 + Math.exp(-2))) < 1e-6);
  });

  it('survives a snapshot round trip', () => {
    const classifier = new PrototypeClassifier(3, 2, 'cosine');
    classifier.add([1, 2, 3], 1);
    classifier.add([3, 2, 1], 1);
    const restored = PrototypeClassifier.fromSnapshot(
      JSON.parse(JSON.stringify(classifier.snapshot())) as ReturnType<typeof classifier.snapshot>,
    );
    assert.deepEqual(restored.counts(), [0, 2]);
    assert.deepEqual([...restored.prototype(1)!], [2, 2, 2]);
    assert.equal(restored.distance, 'cosine');
  });

  it('refuses bad labels, wrong widths and predicting without prototypes', () => {
    const classifier = new PrototypeClassifier(2, 2);
    assert.throws(
      () => classifier.predict(new Float32Array(2)),
      (e) => isAdaptdError(e),
    );
    assert.throws(
      () => classifier.add([1, 2], 2),
      (e) => isAdaptdError(e, 'TRAINING_FAILED'),
    );
    assert.throws(
      () => classifier.add([1, 2, 3], 0),
      (e) => isAdaptdError(e, 'TRAINING_FAILED'),
    );
    assert.throws(
      () =>
        PrototypeClassifier.fromSnapshot({ dim: 2, distance: 'cosine', means: [[1]], counts: [1] }),
      (e) => isAdaptdError(e, 'STATE_CORRUPT'),
    );
  });
});
