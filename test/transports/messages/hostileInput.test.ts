import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_LIMITS,
  validateMessage,
} from '../../../src/transports/messages/validateMessage.js';
import { ChannelMap } from '../../../src/windows/channelMap.js';
import { StreamWindower, type RowOutcome } from '../../../src/windows/streamWindower.js';
import {
  expectedCounts,
  fuzzTraffic,
  HOSTILE_KINDS,
  type FuzzMessage,
} from '../../support/hostileInput.js';
import { NORMALISER, SCHEMA, sample } from '../../windows/fixtures.js';

const NOW = Date.parse('2026-06-01T00:00:00Z');
const LIMITS = { ...DEFAULT_LIMITS, maxBytes: 4096 };
const values = (i: number) => sample(i).values;

/** Validation, then the windower as the daemon runs it: rejects, row outcomes and windows. */
function ingest(messages: readonly FuzzMessage[]) {
  const windower = new StreamWindower({
    machineId: 'mill-fuzz',
    channelMap: new ChannelMap(SCHEMA),
    normaliser: NORMALISER,
    length: 16,
    stride: 4,
    reorderRows: 0,
  });
  const rejects: string[] = [];
  const outcomes: Array<RowOutcome | 'gcode'> = [];
  const windows: Array<{ from: number; gcodeLine: unknown; values: number[] }> = [];
  for (const message of messages) {
    const raw =
      typeof message.payload === 'string' ? Buffer.from(message.payload) : message.payload;
    const result = validateMessage(message.stream, raw, LIMITS, NOW);
    if (!result.ok) {
      rejects.push(result.reason);
      outcomes.push('gcode');
      continue;
    }
    if (result.stream === 'gcode') {
      windower.addGcode(result.payload as { ts: number; line: number; text: string });
      outcomes.push('gcode');
      continue;
    }
    const { outcome, outputs } = windower.push(
      result.payload as { ts: number; values: Record<string, number | null> },
    );
    outcomes.push(outcome);
    for (const output of outputs) {
      if (output.kind !== 'window') continue;
      const {
        from,
        gcodeLine,
        values: tensor,
      } = output.window as unknown as {
        from: number;
        gcodeLine: unknown;
        values: ArrayLike<number>;
      };
      windows.push({ from, gcodeLine, values: Array.from(tensor ?? []) });
    }
  }
  return { rejects, outcomes, windows };
}

describe('hostile input through validation and the windower', () => {
  const options = { rows: 400, base: NOW - 3_600_000, now: NOW, maxBytes: LIMITS.maxBytes, values };
  const clean = fuzzTraffic({ ...options, hostile: 0 });
  const hostile = fuzzTraffic({ ...options, hostile: 12_000, seed: 7 });

  it('draws every kind of hostile message', () => {
    const kinds = new Set(hostile.map((m) => m.kind));
    for (const kind of HOSTILE_KINDS) assert.ok(kinds.has(kind), `${kind} drawn`);
    assert.equal(hostile.filter((m) => m.expect.kind !== 'valid').length, 12_000);
  });

  it('refuses each bad message for its reason and leaves the windows as a clean run cuts them', () => {
    const got = ingest(hostile);
    const want = expectedCounts(hostile);
    const tally = (items: readonly string[]) =>
      items.reduce<Record<string, number>>(
        (acc, item) => ({ ...acc, [item]: (acc[item] ?? 0) + 1 }),
        {},
      );
    assert.deepEqual(tally(got.rejects), want.rejects);
    const rowOutcomes = tally(got.outcomes.filter((o) => o !== 'gcode' && o !== 'accepted'));
    assert.deepEqual(rowOutcomes, want.rows);
    const reference = ingest(clean);
    assert.equal(reference.rejects.length, 0, 'the clean traffic is all valid');
    assert.ok(reference.windows.length > 90, `${reference.windows.length} windows`);
    assert.deepEqual(got.windows, reference.windows);
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype was polluted');
  });
});
