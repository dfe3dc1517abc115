import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRandom } from '../../src/util/random.js';
import { adaptationBundle } from '../adaptation/adaptationFixture.js';
import { service, servicesSkip } from '../support/services.js';
import { adaptationKillLoop } from './adaptationKill.js';

/** Kills in the test command; bench/state/adaptationKillLoop.ts runs the long version. */
const KILLS = 5;

describe(
  'daemon under kill -9 during adaptation over the real mosquitto',
  { skip: servicesSkip() },
  () => {
    it(
      'restarts on the champion the disk held, every version verifying, no leftovers, serving',
      { timeout: 60_000 + KILLS * 40_000 },
      async (t) => {
        const bundle = await adaptationBundle();
        t.after(() => bundle.cleanup());
        const stateDir = await mkdtemp(join(tmpdir(), 'adaptd-adaptation-kill-'));
        t.after(() => rm(stateDir, { recursive: true, force: true }));
        const result = await adaptationKillLoop({
          mqttUrl: service('mqtt'),
          modelDir: bundle.modelDir,
          stateDir,
          kills: KILLS,
          random: seededRandom(6),
        });
        const { phases, steps, promotions, versions, champion } = result;
        t.diagnostic(JSON.stringify({ phases, steps, promotions, versions, champion }));
        assert.deepEqual(result.problems, [], 'every restart consistent');
        assert.equal(result.kills.length, KILLS, 'every kill done');
        // Kills are aimed at each phase in turn; scoring and promotion last tens to hundreds
        // of ms, so on a loaded machine one of them may be missed: at least one kill must land
        // in training and one after it (the long loop reports every phase).
        assert.ok(
          (phases['training'] ?? 0) > 0,
          `a kill landed in training: ${JSON.stringify(phases)}`,
        );
        assert.ok(
          (phases['scoring'] ?? 0) + (phases['promotion'] ?? 0) > 0,
          `a kill landed in scoring or promotion: ${JSON.stringify(phases)}`,
        );
        assert.ok(promotions > 0, 'the daemon promoted between kills');
      },
    );
  },
);
