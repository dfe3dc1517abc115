import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/log.js';
import type { Reject } from '../../src/transports/inputSource.js';
import type { RejectReason } from '../../src/transports/messages/rejectReason.js';
import { RejectCounter } from '../../src/transports/rejectCounter.js';

/** A logger writing JSON lines into an array, and a clock the test moves. */
function bench() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  const clock = { now: 1_000_000 };
  const counted: string[] = [];
  const counter = new RejectCounter({
    count: (reason, transport) => counted.push(`${transport}:${reason}`),
    logger: createLogger({ destination, level: 'info' }),
    intervalMs: 60_000,
    now: () => clock.now,
  });
  return { lines, clock, counted, counter };
}

function reject(reason: RejectReason, payload = 'secret-ish payload'): Reject {
  return {
    reason,
    detail: `bad ${reason}`,
    stream: 'sensors',
    origin: { transport: 'mqtt', topic: 'adaptd/mill-1/sensors' },
    receivedAt: 0,
    raw: Buffer.from(payload),
    settle: () => Promise.resolve(),
  };
}

describe('RejectCounter', () => {
  it('counts every reject but logs one line per reason per interval', () => {
    const { lines, clock, counted, counter } = bench();
    for (let i = 0; i < 50; i += 1) counter.record(reject('json'));
    counter.record(reject('schema'));
    clock.now += 59_999;
    counter.record(reject('json'));

    assert.equal(counted.length, 52);
    assert.equal(counted.filter((c) => c === 'mqtt:json').length, 51);
    assert.deepEqual(
      lines.map((line) => [line.reason, line.unloggedSinceLast]),
      [
        ['json', 0],
        ['schema', 0],
      ],
    );

    clock.now += 1;
    counter.record(reject('json'));
    assert.deepEqual(lines.at(-1)?.unloggedSinceLast, 50, 'the next line tells what it skipped');
    assert.equal(lines.length, 3);
  });

  it('never logs the payload', () => {
    const { lines, counter } = bench();
    counter.record(reject('schema', '{"ts": "the payload itself"}'));
    assert.equal(lines.length, 1);
    assert.ok(!JSON.stringify(lines).includes('the payload itself'));
    assert.equal(lines[0]?.bytes, 28);
    assert.equal(lines[0]?.msg, 'input message rejected');
  });

  it('flush logs the rejects no line has mentioned', () => {
    const { lines, counter } = bench();
    counter.record(reject('too_large'));
    counter.record(reject('too_large'));
    counter.record(reject('too_large'));
    counter.flush();
    counter.flush();
    assert.deepEqual(
      lines.map((line) => [line.reason, line.unloggedSinceLast]),
      [
        ['too_large', 0],
        ['too_large', 2],
      ],
    );
  });
});
