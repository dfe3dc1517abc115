import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { quietRows } from '../drift/driftDocumentFixture.js';
import { seriesValue } from '../service/daemonBed.js';
import { learningBed, scoredWindow } from './loopFixture.js';

const scored = (k: number, embedding: ArrayLike<number>, x?: Float32Array) =>
  scoredWindow(k, embedding, { x });

describe('non-finite windows', () => {
  it('never reach the drift statistic, the training buffer or the prototypes', async () => {
    const { loop, registry } = learningBed();
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
