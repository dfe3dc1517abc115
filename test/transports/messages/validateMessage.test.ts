import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { InputStream } from '../../../src/transports/messages/streams.js';
import { MAX_BATCH_SAMPLES } from '../../../src/transports/messages/sensorMessage.js';
import {
  validateMessage,
  type MessageLimits,
} from '../../../src/transports/messages/validateMessage.js';

const NOW = Date.UTC(2026, 0, 5, 8, 0, 0);
const LIMITS: MessageLimits = { maxBytes: 4096, maxAheadMs: 60_000 };

function check(stream: InputStream, payload: unknown, limits: MessageLimits = LIMITS) {
  const raw = Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload));
  return validateMessage(stream, raw, limits, NOW);
}

function reasonOf(stream: InputStream, payload: unknown, limits?: MessageLimits): string {
  const result = check(stream, payload, limits);
  return result.ok ? 'ok' : result.reason;
}

describe('validateMessage', () => {
  describe('sensors', () => {
    const sample = { ts: NOW, values: { 'y_bed__3.Ax': 0.25, spindle: null, 'frame_r2.RMS': -3 } };

    it('accepts one sample and a batch, keeping channel names as sent', () => {
      const one = check('sensors', sample);
      assert.ok(one.ok);
      assert.deepEqual(one.payload, sample);
      const batch = { samples: [sample, { ...sample, ts: NOW + 260 }] };
      const many = check('sensors', batch);
      assert.ok(many.ok);
      assert.deepEqual(many.payload, batch);
    });

    it('refuses a wrong shape as schema, naming the place', () => {
      const cases: [unknown, RegExp][] = [
        [{ ts: NOW }, /values/],
        [{ ts: String(NOW), values: {} }, /ts/],
        [{ ts: NOW, values: { spindle: '1.5' } }, /values\.spindle/],
        [{ ts: NOW, values: {}, extra: 1 }, /extra/],
        [{ ts: NOW, values: { '9lives': 1 } }, /values/],
        [{ ts: NOW, values: { constructor: 1 } }, /values\.constructor/],
        [{ samples: [] }, /samples/],
        [{ samples: [{ ts: NOW, values: { a: 'x' } }] }, /samples\.0\.values\.a/],
        [[sample], /payload/],
        [null, /payload/],
      ];
      for (const [payload, detail] of cases) {
        const result = check('sensors', payload);
        assert.ok(!result.ok, JSON.stringify(payload));
        assert.equal(result.reason, 'schema', JSON.stringify(payload));
        assert.match(result.detail, detail, JSON.stringify(payload));
      }
    });

    it('refuses a __proto__ channel rather than dropping it or copying it anywhere', () => {
      const result = check('sensors', `{"ts": ${NOW}, "values": {"__proto__": {"x": 1}, "a": 1}}`);
      assert.ok(!result.ok, 'a sample with a __proto__ channel is refused');
      assert.equal(result.reason, 'schema');
      assert.match(result.detail, /reserved/);
      assert.equal(({} as Record<string, unknown>).x, undefined, 'no prototype was touched');
    });

    it('refuses a batch over the sample limit', () => {
      const samples = Array.from({ length: MAX_BATCH_SAMPLES + 1 }, (_, i) => ({
        ts: NOW + i,
        values: {},
      }));
      const roomy = { maxBytes: 1 << 20, maxAheadMs: 60_000 };
      assert.equal(reasonOf('sensors', { samples }, roomy), 'schema');
      assert.equal(reasonOf('sensors', { samples: samples.slice(1) }, roomy), 'ok');
    });

    it('refuses an overflowing number as non_finite, not as a schema error', () => {
      const result = check('sensors', `{"ts": ${NOW}, "values": {"spindle": -1e400}}`);
      assert.ok(!result.ok);
      assert.equal(result.reason, 'non_finite');
      assert.match(result.detail, /payload\.values\.spindle/);
    });

    it('refuses times in seconds, far ahead or going back within a batch', () => {
      assert.equal(reasonOf('sensors', { ...sample, ts: NOW / 1000 }), 'timestamp');
      assert.equal(reasonOf('sensors', { ...sample, ts: NOW + 60_001 }), 'timestamp');
      assert.equal(reasonOf('sensors', { ...sample, ts: NOW + 60_000 }), 'ok');
      const backwards = { samples: [sample, { ...sample, ts: NOW - 1 }] };
      assert.equal(reasonOf('sensors', backwards), 'timestamp');
      const equal = { samples: [sample, { ...sample, ts: NOW }] };
      assert.equal(reasonOf('sensors', equal), 'ok');
    });
  });

  it('checks size first, then encoding, then JSON', () => {
    assert.equal(reasonOf('sensors', 'x'.repeat(4097)), 'too_large');
    const bytes = validateMessage('gcode', Buffer.from([0x7b, 0xc3, 0x28, 0x7d]), LIMITS, NOW);
    assert.equal(bytes.ok ? 'ok' : bytes.reason, 'encoding');
    assert.equal(reasonOf('gcode', '{"ts": 1,'), 'json');
    assert.equal(reasonOf('gcode', ''), 'json');
  });

  it('validates G-code lines', () => {
    assert.equal(reasonOf('gcode', { ts: NOW, line: 42, text: 'G2 X1 Y1 I0.5 J0' }), 'ok');
    assert.equal(reasonOf('gcode', { ts: NOW, line: 4.5, text: 'G1' }), 'schema');
    assert.equal(reasonOf('gcode', { ts: NOW, line: -1, text: 'G1' }), 'schema');
    assert.equal(reasonOf('gcode', { ts: NOW, line: 1 }), 'schema');
    assert.equal(reasonOf('gcode', { ts: 12, line: 1, text: 'G1' }), 'timestamp');
  });

  it('validates labels, with an ordered time span', () => {
    const label = { from: NOW - 5000, to: NOW, head: 'tool', label: 'damaged' };
    assert.equal(reasonOf('labels', label), 'ok');
    assert.equal(reasonOf('labels', { ...label, requestId: 'r-1' }), 'ok');
    assert.equal(reasonOf('labels', { ...label, from: NOW + 1 }), 'timestamp');
    assert.equal(reasonOf('labels', { ...label, head: 'tool condition' }), 'schema');
    assert.equal(reasonOf('labels', { ...label, label: '' }), 'schema');
  });

  it('validates the command envelope, leaving arguments to the control layer', () => {
    const command = { requestId: 'r-7', command: 're-adapt', args: { head: 'tool', shots: 5 } };
    const result = check('commands', command);
    assert.ok(result.ok);
    assert.deepEqual(result.payload, command);
    assert.equal(reasonOf('commands', { ...command, expiresAt: NOW + 30_000 }), 'ok');
    // An expired command is valid here: the control layer answers it as expired.
    assert.equal(reasonOf('commands', { ...command, expiresAt: NOW - 30_000 }), 'ok');
    assert.equal(reasonOf('commands', { ...command, expiresAt: 5 }), 'timestamp');
    assert.equal(reasonOf('commands', { command: 'reset' }), 'schema');
    const overflowing = '{"requestId": "r-8", "command": "label", "args": {"weight": 1e999}}';
    assert.equal(reasonOf('commands', overflowing), 'non_finite');
    assert.equal(reasonOf('commands', { ...command, command: 'Reset!' }), 'schema');
    assert.equal(reasonOf('commands', { ...command, args: [1, 2] }), 'schema');
  });

  it('never throws, whatever the bytes', () => {
    const inputs = ['', '0', '[]', '{}', 'true', '"x"', '{"__proto__": {"ts": 1}}', '\u0000'];
    for (const text of inputs) {
      for (const stream of ['sensors', 'gcode', 'labels', 'commands'] as const) {
        assert.doesNotThrow(() => check(stream, text));
        assert.equal(check(stream, text).ok, false, `${stream} ${JSON.stringify(text)}`);
      }
    }
    assert.equal(({} as Record<string, unknown>).ts, undefined, 'no prototype was touched');
  });
});
