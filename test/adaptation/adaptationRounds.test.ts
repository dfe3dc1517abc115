import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import {
  AdaptationController,
  type AdaptationEvent,
} from '../../src/adaptation/adaptationController.js';
import { snapshotView } from '../../src/adaptation/windowSnapshot.js';
import { loadConfig } from '../../src/config/loadConfig.js';
import { argmaxRows, scoreClassification } from '../../src/evaluation/classificationScores.js';
import { silentLogger } from '../../src/log.js';
import { DaemonMetrics } from '../../src/metrics/daemonMetrics.js';
import { loadModelBundle } from '../../src/model/modelBundle.js';
import { predictWindows } from '../../src/model/predictWindows.js';
import type { SensorModel } from '../../src/model/sensorModel.js';
import { adaptationBundle, shiftedSnapshot, shiftedWindows } from './adaptationFixture.js';

async function balancedAccuracy(model: SensorModel, seed: number): Promise<number> {
  const windows = shiftedWindows(96, seed, 0.5);
  const view = snapshotView(
    windows,
    Array.from({ length: windows.count }, (_, i) => i),
  );
  const { logits } = await predictWindows(model, view);
  const predicted = argmaxRows(logits['operation']!, 3);
  return scoreClassification(windows.labels['operation']!, predicted, 3).balancedAccuracy;
}

describe('adaptation rounds through the training process', () => {
  it(
    'promotes a challenger trained in a child, serves it, and keeps the tensor count flat',
    { timeout: 300_000 },
    async (t) => {
      const bundle = await adaptationBundle();
      t.after(() => bundle.cleanup());
      const stateDir = await mkdtemp(join(tmpdir(), 'adaptd-state-'));
      t.after(() => rm(stateDir, { recursive: true, force: true }));
      const { model } = await loadModelBundle(bundle.modelDir);
      t.after(() => model.dispose());
      const config = loadConfig({ configDir: '/nonexistent', env: {} }).config;
      const registry = new Registry();
      const metrics = new DaemonMetrics(registry, {
        version: 'test',
        modelVersion: 'tiny',
        backend: 'cpu',
        heads: model.config.heads,
        defaultMetrics: false,
      });
      const events: AdaptationEvent[] = [];
      const snapshot = shiftedSnapshot(112, 48, 9);
      const controller = new AdaptationController(
        {
          ...config.adaptation,
          steps: 40,
          batchSize: 16,
          learningRate: 3e-3,
          intervalMs: 0,
          minTargetWindows: 32,
          modelDir: bundle.modelDir,
          backend: 'cpu',
          dataDir: '',
          stateDir,
        },
        {
          model,
          targets: { snapshot: () => snapshot },
          metrics,
          publish: (event) => events.push(event),
          logger: silentLogger,
        },
      );
      await controller.start();
      t.after(() => controller.stop());
      const before = await balancedAccuracy(model, 77);
      const tensors = tf.memory().numTensors;
      const outcomes = [];
      for (let round = 0; round < 3; round += 1) {
        outcomes.push(await controller.readapt({ requestId: `r${round}`, trigger: 'command' }));
        assert.equal(tf.memory().numTensors, tensors, `tensor count flat after round ${round + 1}`);
      }
      assert.equal(outcomes[0]?.result, 'promoted', JSON.stringify(outcomes[0]));
      assert.ok(
        outcomes.every((o) => o.result === 'promoted' || o.result === 'rejected'),
        `every round ended with a verdict: ${outcomes.map((o) => o.result).join(', ')}`,
      );
      const after = await balancedAccuracy(model, 77);
      assert.ok(
        after > before,
        `the serving model scores higher on later target windows: ${after} > ${before}`,
      );
      const kinds = new Set(events.map((e) => e.kind));
      for (const kind of ['adaptation.started', 'adaptation.trained', 'adaptation.scored']) {
        assert.ok(kinds.has(kind), `${kind} published`);
      }
    },
  );
});
