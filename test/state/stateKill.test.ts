import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRandom } from '../../src/util/random.js';
import { killLoop } from './killLoop.js';

describe('state under kill -9', () => {
  it(
    'reloads a consistent, verified state after each of 20 kills at random moments',
    { timeout: 180_000 },
    async (t) => {
      const dir = await mkdtemp(join(tmpdir(), 'adaptd-kill-'));
      t.after(() => rm(dir, { recursive: true, force: true }));
      const result = await killLoop(dir, 20, 400, seededRandom(20261204));
      assert.deepEqual(result.problems, [], 'every reload consistent');
      assert.deepEqual(result.damage, [], 'atomic writes leave nothing damaged to set aside');
      assert.equal(result.kills, 20);
      // About two kills in five land inside a write; none at all would mean the test tests nothing.
      assert.ok(result.midWrite > 0, `some kills landed mid-write (${result.midWrite})`);
      assert.ok(result.written > 20, `generations were written between kills (${result.written})`);
    },
  );
});
