import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { Subject } from 'rxjs';
import type { DriftEvent } from '../../src/drift/driftTracker.js';
import { loadConfig } from '../../src/config/loadConfig.js';
import { silentLogger } from '../../src/log.js';
import { DaemonMetrics } from '../../src/metrics/daemonMetrics.js';
import { loadModelBundle } from '../../src/model/modelBundle.js';
import type { Prediction } from '../../src/pipeline/inferenceWorker.js';
import { AdaptationPart } from '../../src/service/adaptationPart.js';
import type { EventMessage } from '../../src/transports/messages/eventMessage.js';
import { adaptationBundle, shiftedSnapshot } from '../adaptation/adaptationFixture.js';
import { FakeOutput } from '../pipeline/fakes.js';
import { tempStateDir } from '../support/stateDir.js';

describe('AdaptationPart', () => {
  it(
    'sustained drift starts a run in a training process; stopping the part cancels it',
    { timeout: 120_000 },
    async (t) => {
      const bundle = await adaptationBundle();
      t.after(() => bundle.cleanup());
      const { model } = await loadModelBundle(bundle.modelDir);
      t.after(() => model.dispose());
      const config = loadConfig({
        configDir: '/nonexistent',
        env: {
          ADAPTD_MODEL_DIR: bundle.modelDir,
          ADAPTD_STATE_DIR: tempStateDir(),
          ADAPTD_ADAPTATION_INTERVAL_MS: '0',
          ADAPTD_ADAPTATION_STEPS: '100000',
          ADAPTD_ADAPTATION_MIN_TARGET_WINDOWS: '16',
        },
      }).config;
      const drift$ = new Subject<DriftEvent>();
      const output = new FakeOutput([]);
      let resets = 0;
      const snapshot = shiftedSnapshot(40, 20, 3);
      const part = new AdaptationPart({
        config,
        model: () => model,
        learning: () => ({ drift$, snapshot: () => snapshot, resetDrift: () => (resets += 1) }),
        output: () => output,
        metrics: () =>
          new DaemonMetrics(new Registry(), {
            version: 'test',
            modelVersion: 'tiny',
            backend: 'cpu',
            heads: model.config.heads,
            defaultMetrics: false,
          }),
        predictions$: new Subject<Prediction>(),
        logger: silentLogger,
      });
      await part.start();
      drift$.next({ kind: 'alarm', cause: 'machine', step: 1, statistic: 2, threshold: 1 });
      assert.equal(part.controller?.status().adapting, false, 'an alarm alone starts nothing');
      drift$.next({ kind: 'sustained', cause: 'program', step: 70, alarmSteps: 64 });
      assert.equal(part.controller?.status().adapting, true, 'sustained drift starts a run');
      await part.stop();
      assert.equal(part.controller?.status().adapting, false, 'stop waited for the run to end');
      const kinds = output.published
        .filter((p) => p.stream === 'events')
        .map((p) => (p.payload as EventMessage).kind);
      assert.deepEqual(
        kinds,
        ['adaptation.started', 'adaptation.cancelled'],
        'the run was cancelled by the stop',
      );
      assert.equal(resets, 0, 'serving never changed, so the drift window was not reset');
    },
  );
});
