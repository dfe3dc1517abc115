import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Prediction } from '../../src/pipeline/inferenceWorker.js';
import type { Reject } from '../../src/transports/inputSource.js';
import type { GcodeLine } from '../../src/windows/gcodeTimeline.js';
import { quietRows, shiftedRows } from '../drift/driftDocumentFixture.js';
import { FakeOutput } from '../pipeline/fakes.js';
import { seriesValue } from '../service/daemonBed.js';
import { withDeadline } from '../support/deadline.js';
import { T0, learningBed, scoredWindow } from './loopFixture.js';

const origin = { transport: 'mqtt', topic: 'adaptd/mill-1/labels' } as const;
const setup = learningBed;

let next = 0;

/** Lets the fake output's publications land. */
const flush = () => new Promise((resolve) => setImmediate(resolve));

/** The next scored window, one per second from T0, with the given embedding and lines. */
const scored = (embedding: number[], gcode: Array<GcodeLine | undefined> = []): Prediction =>
  scoredWindow((next += 1), embedding, { gcode });

const published = (output: FakeOutput, stream: string) =>
  output.published
    .filter((p) => p.stream === stream)
    .map((p) => p.payload as Record<string, unknown>);

describe('LearningLoop', () => {
  it('publishes a drift message per scored batch and alarm events on a shifted stream', async () => {
    const { loop, output, registry } = setup();
    const quiet = quietRows(40);
    for (let b = 0; b < quiet.length; b += 8)
      loop.onScored(quiet.slice(b, b + 8).map((row) => scored(row)));
    await flush();
    assert.equal(published(output, 'drift').length, 5, 'one per batch once the window is full');
    assert.deepEqual(published(output, 'events'), [], 'no alarm on the quiet stream');
    const shifted = shiftedRows(40);
    for (let b = 0; b < shifted.length; b += 8) {
      loop.onScored(shifted.slice(b, b + 8).map((row) => scored(row)));
    }
    await flush();
    const kinds = published(output, 'events').map((e) => e.kind);
    assert.deepEqual(kinds, ['drift.alarm', 'drift.sustained'], `events ${kinds.join(', ')}`);
    const last = published(output, 'drift').at(-1)!;
    assert.equal(last.alarm, true, 'the latest drift message is an alarm');
    assert.equal(last.cause, 'machine', 'of the machine');
    const text = await registry.metrics();
    assert.equal(seriesValue(text, 'adaptd_drift_detections_total{cause="machine"}'), 1, 'count');
    assert.equal(seriesValue(text, 'adaptd_drift_alarm{cause="machine"}'), 1, 'alarm gauge');
    assert.equal(seriesValue(text, 'adaptd_drift_steps_since_reset'), 80, 'steps');
    assert.equal(seriesValue(text, 'adaptd_drift_statistic'), last.mmd, 'statistic gauge');
    loop.resetDrift();
    assert.equal(loop.drift!.status().stepsSinceReset, 0, 'reset');
    await loop.stop();
  });

  it('labels windows from G-code and operator labels, feeding buffer and prototypes', async () => {
    const { loop, registry } = setup();
    const line = (ts: number, n: number, text: string) => {
      const entry = { ts, line: n, text };
      loop.onGcode(entry);
      return entry;
    };
    const g1 = line(T0, 1, 'G1 X1 F10');
    const first = scored([0, 0, 0, 0], [g1, g1, g1, g1]);
    loop.onScored([first]);
    const label = {
      from: first.window.from,
      to: first.window.to + 5000,
      head: 'tool',
      label: 'damaged',
    };
    loop.onLabel(label, origin);
    loop.onScored([scored([1, 1, 1, 1])]);
    const { adapt } = loop.snapshot();
    assert.deepEqual([...adapt.labels.motion!.subarray(0, 4)], [1, 1, 1, 1], 'G1 on every row');
    assert.deepEqual(
      [...adapt.labels.tool!],
      [1, 1],
      'the label came after one window, before the other',
    );
    const text = await registry.metrics();
    assert.equal(seriesValue(text, 'adaptd_prototype_supports{head="tool",class="damaged"}'), 2);
    assert.equal(seriesValue(text, 'adaptd_prototype_supports{head="motion",class="G1"}'), 1);
    assert.equal(seriesValue(text, 'adaptd_labels_total{source="operator"}'), 2, 'operator');
    assert.equal(seriesValue(text, 'adaptd_labels_total{source="gcode"}'), 1, 'gcode');
    assert.equal(seriesValue(text, 'adaptd_target_buffer_windows{set="labelled"}'), 2, 'labelled');

    const rejects: Reject[] = [];
    loop.rejects$.subscribe((r) => rejects.push(r));
    loop.onLabel({ ...label, head: 'spindle' }, origin);
    assert.equal(rejects.length, 1, 'an unknown head is rejected');
    assert.equal(rejects[0]!.reason, 'label', 'with reason label');
    assert.ok(rejects[0]!.detail.includes("head 'spindle'"), rejects[0]!.detail);

    const saved = JSON.parse(JSON.stringify(loop.toJSON())) as unknown;
    const { loop: copy } = setup();
    copy.restore(saved);
    assert.deepEqual(copy.toJSON(), loop.toJSON(), 'state restored');
    await loop.stop();
    await copy.stop();
  });

  it('scores the domain every intervalWindows windows in a worker and exports it', async () => {
    const { loop, registry, output } = setup({
      domain: { intervalWindows: 16, windows: 32, permutations: 3 },
    });
    loop.onScored(shiftedRows(16).map((row) => scored(row)));
    await withDeadline(
      (async () => {
        while (
          seriesValue(
            await registry.metrics(),
            'adaptd_drift_domain_last_run_timestamp_seconds',
          ) === 0
        ) {
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      })(),
      30_000,
      'the domain score',
    );
    const auroc = seriesValue(await registry.metrics(), 'adaptd_drift_domain_score{score="auroc"}');
    assert.ok(auroc !== undefined && auroc > 0.8, `a shifted stream is told apart: ${auroc}`);
    loop.onScored([scored([0, 0, 0, 0])]);
    await flush();
    assert.equal(published(output, 'drift').at(-1)!.domainAuc, auroc, 'in the drift message');
    await loop.stop();
  });

  it('monitors no drift without calibrated thresholds but still buffers and labels', async () => {
    const { loop, output } = setup({ drift: undefined });
    loop.onScored([scored([0, 0, 0, 0])]);
    await flush();
    assert.equal(loop.drift, undefined, 'no tracker');
    assert.equal(loop.buffer.size, 1, 'buffered');
    assert.deepEqual(published(output, 'drift'), [], 'no drift message');
    await loop.stop();
  });
});
