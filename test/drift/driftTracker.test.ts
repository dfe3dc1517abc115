import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DriftTracker, type DriftEvent } from '../../src/drift/driftTracker.js';
import { isAdaptdError } from '../../src/errors.js';
import { quietRows, shiftedRows, syntheticDriftDocument } from './driftDocumentFixture.js';

const doc = syntheticDriftDocument();

function tracked(sustainWindows = 5) {
  const tracker = new DriftTracker(doc, { ert: 100, sustainWindows });
  const events: DriftEvent[] = [];
  tracker.events$.subscribe((event) => events.push(event));
  return { tracker, events };
}

describe('DriftTracker', () => {
  it('raises no event on a quiet stream and reports the statistic once the window fills', () => {
    const { tracker, events } = tracked();
    const statuses = quietRows(60).map((row) => tracker.observe(row, { programId: 'P1' }));
    assert.equal(statuses[6]!.statistic, null, 'no statistic before the window fills');
    assert.ok(statuses[7]!.statistic !== null, 'a statistic once it has');
    assert.deepEqual(events, [], 'no drift events');
    assert.equal(tracker.status().stepsSinceReset, 60, 'steps counted');
  });

  it('turns an episode into alarm, sustained (once) and cleared events', () => {
    const { tracker, events } = tracked(5);
    for (const row of quietRows(40)) tracker.observe(row, { programId: 'P1' });
    for (const row of shiftedRows(40)) tracker.observe(row, { programId: 'P1' });
    assert.equal(tracker.status().cause, 'machine', 'an alarm of the machine under way');
    for (const row of quietRows(60, 4, 31)) tracker.observe(row, { programId: 'P1' });
    const kinds = events.map((e) => e.kind);
    assert.deepEqual(kinds, ['alarm', 'sustained', 'cleared'], `events ${kinds.join(', ')}`);
    assert.ok(
      events.every((e) => e.kind === 'reset' || e.cause === 'machine'),
      'machine drift: the program stayed',
    );
    const sustained = events[1] as Extract<DriftEvent, { kind: 'sustained' }>;
    assert.equal(sustained.alarmSteps, 5, 'sustained after sustainWindows alarm steps');
    assert.equal(tracker.status().cause, undefined, 'no episode after it cleared');
  });

  it('reports a shift right after a program change as explained by the program', () => {
    const { tracker, events } = tracked();
    for (const row of quietRows(40)) tracker.observe(row, { programId: 'P1' });
    for (const row of shiftedRows(30)) tracker.observe(row, { programId: 'P2' });
    const alarm = events.find((e) => e.kind === 'alarm');
    assert.ok(alarm !== undefined && alarm.cause === 'program', 'explained by the program');
  });

  it('resets to an empty window, on the same or a new reference', () => {
    const { tracker, events } = tracked();
    for (const row of shiftedRows(30)) tracker.observe(row);
    tracker.reset();
    assert.equal(tracker.status().stepsSinceReset, 0, 'steps restart');
    assert.equal(tracker.status().cause, undefined, 'episode ended');
    tracker.reset(syntheticDriftDocument());
    assert.deepEqual(
      events.filter((e) => e.kind === 'reset'),
      [
        { kind: 'reset', reference: 'same' },
        { kind: 'reset', reference: 'new' },
      ],
      'reset events',
    );
    assert.throws(
      () => tracker.reset(syntheticDriftDocument(3)),
      (error: unknown) => isAdaptdError(error) && error.code === 'INTERNAL',
      'a reference of other units is refused',
    );
  });

  it('saves and restores its state, episode included', () => {
    const { tracker } = tracked();
    for (const row of quietRows(20)) tracker.observe(row, { programId: 'P1' });
    for (const row of shiftedRows(12)) tracker.observe(row, { programId: 'P1' });
    const saved = JSON.parse(JSON.stringify(tracker.toJSON())) as unknown;
    const { tracker: copy } = tracked();
    copy.restore(saved);
    assert.deepEqual(copy.status().cause, tracker.status().cause, 'same episode');
    const next = shiftedRows(5, 4, 40);
    const a = next.map((row) => tracker.observe(row, { programId: 'P1' }).statistic);
    const b = next.map((row) => copy.observe(row, { programId: 'P1' }).statistic);
    a.forEach((value, k) =>
      assert.ok(Math.abs(value! - b[k]!) < 1e-9, `statistic ${k}: ${value} vs ${b[k]}`),
    );
    assert.throws(
      () => copy.restore({ format: 'adaptd-drift-tracker/1' }),
      (error: unknown) => isAdaptdError(error) && error.code === 'STATE_CORRUPT',
      'a broken state is refused',
    );
  });
});
