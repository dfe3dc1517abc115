import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isAdaptdError } from '../../../src/errors.js';
import {
  episodicEvaluation,
  type EpisodeRecord,
} from '../../../src/strategies/fewShot/episodicEvaluation.js';
import { gaussian, seededRandom } from '../../../src/util/random.js';

/** `perClass` embeddings of `classes` classes; class c centred at `spread` * c on every dim. */
function clusters(classes: number, perClass: number, dim: number, spread: number) {
  const random = seededRandom(9);
  const labels = Int32Array.from({ length: classes * perClass }, (_, i) => i % classes);
  const embeddings = Float32Array.from({ length: labels.length * dim }, (_, k) => {
    const label = labels[Math.floor(k / dim)]!;
    return spread * label * ((k % dim) % 2 === 0 ? 1 : -1) + gaussian(random);
  });
  return { embeddings, labels };
}

describe('episodicEvaluation', () => {
  it('draws disjoint support and query sets of real labels and clears prototypes each episode', () => {
    const { embeddings, labels } = clusters(5, 12, 4, 3);
    const records: EpisodeRecord[] = [];
    episodicEvaluation(
      embeddings,
      labels,
      { ways: 3, shots: 2, queries: 4, episodes: 20, seed: 1 },
      (r) => records.push(r),
    );
    assert.equal(records.length, 20);
    for (const r of records) {
      assert.equal(new Set(r.classes).size, 3);
      assert.equal(r.support.length, 3 * 2);
      assert.equal(r.query.length, 3 * 4);
      const support = new Set(r.support);
      assert.ok(
        r.query.every((i) => !support.has(i)),
        'queries must not be support',
      );
      assert.ok([...r.support, ...r.query].every((i) => r.classes.includes(labels[i]!)));
      // A classifier not cleared between episodes would hold 4, 6, ... per class.
      assert.deepEqual(r.prototypeCounts, [2, 2, 2]);
    }
    assert.ok(new Set(records.map((r) => r.classes.join())).size > 1, 'episodes vary classes');
  });

  it('is near 1 on separated classes and near chance on pure noise', () => {
    const separated = clusters(4, 15, 6, 4);
    const good = episodicEvaluation(separated.embeddings, separated.labels, {
      ways: 4,
      shots: 3,
      queries: 5,
      episodes: 30,
      seed: 2,
    });
    assert.ok(good.meanAccuracy > 0.95, `accuracy ${good.meanAccuracy}`);
    const noise = clusters(4, 15, 6, 0);
    const chance = episodicEvaluation(noise.embeddings, noise.labels, {
      ways: 4,
      shots: 3,
      queries: 5,
      episodes: 200,
      seed: 2,
    });
    assert.ok(Math.abs(chance.meanAccuracy - 0.25) < 0.06, `accuracy ${chance.meanAccuracy}`);
    const [low, high] = chance.interval95;
    assert.ok(low < chance.meanAccuracy && chance.meanAccuracy < high);
    assert.ok(high - low < 0.1 && high - low > 0);
  });

  it('refuses episodes the known labels cannot fill, and fewer than two ways', () => {
    const { embeddings, labels } = clusters(3, 6, 2, 3);
    labels.fill(-1, 0, 3);
    assert.throws(
      () =>
        episodicEvaluation(embeddings, labels, {
          ways: 3,
          shots: 2,
          queries: 4,
          episodes: 1,
          seed: 1,
        }),
      (e) => isAdaptdError(e, 'CONFIG_INVALID'),
    );
    assert.throws(
      () =>
        episodicEvaluation(embeddings, labels, {
          ways: 1,
          shots: 1,
          queries: 1,
          episodes: 1,
          seed: 1,
        }),
      (e) => isAdaptdError(e, 'CONFIG_INVALID'),
    );
  });
});
