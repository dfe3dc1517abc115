import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { LearningLoop } from '../../src/learning/learningLoop.js';
import { silentLogger } from '../../src/log.js';
import { DaemonMetrics } from '../../src/metrics/daemonMetrics.js';
import type { Prediction } from '../../src/pipeline/inferenceWorker.js';
import type { PredictionMessage } from '../../src/transports/messages/predictionMessage.js';
import { quietRows, syntheticDriftDocument } from '../drift/driftDocumentFixture.js';
import { FakeOutput } from '../pipeline/fakes.js';
import { seriesValue } from '../service/daemonBed.js';
import { TINY_HEADS } from '../support/tinyBundle.js';

const T0 = 1_700_000_000_000;

function scored(k: number, embedding: ArrayLike<number>, x = new Float32Array(8)): Prediction {
  const from = T0 + k * 1000;
  return {
    window: {
      id: `w${k}`,
      from,
      to: from + 750,
      x,
      mask: Float32Array.of(1, 1),
      context: new Float32Array(3),
      gcode: [undefined, undefined, undefined, undefined],
      doneThrough: from + 750,
      cutAt: from + 800,
    },
    results: {},
    payload: {} as PredictionMessage,
    latencyMs: 1,
    embedding: Float32Array.from(embedding),
  };
}

describe('non-finite windows', () => {
  it('never reach the drift statistic, the training buffer or the prototypes', async () => {
    const registry = new Registry();
    const metrics = new DaemonMetrics(registry, {
      version: 't',
      modelVersion: 'm',
      backend: 'cpu',
      heads: TINY_HEADS,
      defaultMetrics: false,
    });
    const loop = new LearningLoop(
      {
        heads: TINY_HEADS,
        shape: { length: 4, channels: 2, contextSize: 3, units: 4 },
        drift: syntheticDriftDocument(),
        ert: 100,
        sustainWindows: 5,
        domain: { intervalWindows: 0, windows: 64, permutations: 3 },
        bufferWindows: 500,
        holdout: { blockMs: 60_000, every: 0 },
        maxLabelRanges: 16,
        fromGcode: true,
      },
      { output: new FakeOutput([]), metrics, logger: silentLogger, now: () => T0 },
    );
    const rows = quietRows(24);
    const bad = [
      scored(100, [Number.NaN, 0, 0, 0]),
      scored(101, [0, Number.POSITIVE_INFINITY, 0, 0]),
      scored(102, [0, 0, 0, 0], Float32Array.of(0, 0, 0, Number.NEGATIVE_INFINITY, 0, 0, 0, 0)),
      scored(103, [0, 0, 0, 0], Float32Array.of(0, Number.NaN, 0, 0, 0, 0, 0, 0)),
    ];
    const batch = rows.map((row, k) => scored(k, row));
    // The bad windows arrive between good ones, in the same batches.
    loop.onScored([...batch.slice(0, 12), bad[0]!, bad[1]!]);
    loop.onScored([bad[2]!, ...batch.slice(12), bad[3]!]);

    const status = loop.drift!.status();
    assert.equal(status.stepsSinceReset, rows.length, 'only the finite windows were observed');
    assert.ok(Number.isFinite(status.statistic ?? 0), `statistic ${status.statistic}`);
    const snapshot = loop.snapshot();
    const held = snapshot.adapt.count + snapshot.heldBack.count;
    assert.equal(held, rows.length, 'only the finite windows are buffered for training');
    assert.ok(
      snapshot.adapt.ids.every((id) => !['w100', 'w101', 'w102', 'w103'].includes(id)),
      'no bad window id in the buffer',
    );
    const text = await registry.metrics();
    assert.equal(seriesValue(text, 'adaptd_non_finite_windows_total'), bad.length);
    await loop.stop();
  });
});
