import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { blockBootstrapStream } from '../../src/drift/blockBootstrap.js';
import { seededRandom } from '../../src/util/random.js';

describe('blockBootstrapStream', () => {
  const lengths = [7, 0, 12, 5];
  const starts = [0, 7, 7, 19];

  it('lays whole runs end to end after a random entry into the first', () => {
    const random = seededRandom(3);
    const entries = new Set<number>();
    for (let s = 0; s < 200; s += 1) {
      const { rows, segments } = blockBootstrapStream(lengths, 40, random);
      assert.equal(rows.length, 40, 'stream length');
      let filled = 0;
      segments.forEach((segment, k) => {
        assert.notEqual(lengths[segment.run], 0, 'an empty run is never drawn');
        if (k > 0) assert.equal(segment.from, 0, `segment ${k} starts at its run's first row`);
        const take = Math.min(lengths[segment.run]! - segment.from, 40 - filled);
        if (k < segments.length - 1) {
          assert.equal(take, lengths[segment.run]! - segment.from, 'runs run to their end');
        }
        for (let i = 0; i < take; i += 1) {
          assert.equal(rows[filled + i], starts[segment.run]! + segment.from + i, 'row order');
        }
        filled += take;
      });
      assert.equal(filled, 40, 'segments cover the stream');
      entries.add(segments[0]!.from);
    }
    assert.ok(entries.size > 5, `entry rows vary: ${[...entries].join(', ')}`);
  });

  it('refuses a pool of empty runs', () => {
    assert.throws(() => blockBootstrapStream([0, 0], 5, seededRandom(1)), /non-empty run/);
  });
});
