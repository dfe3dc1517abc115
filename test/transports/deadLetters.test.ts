import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Subject } from 'rxjs';
import { silentLogger } from '../../src/log.js';
import { deadLetterOf, routeRejects } from '../../src/transports/deadLetters.js';
import type { Reject } from '../../src/transports/inputSource.js';
import { deadLetterMessageSchema } from '../../src/transports/messages/deadLetterMessage.js';
import type { OutputPayloads } from '../../src/transports/messages/payloadSchemas.js';
import type { OutputStream } from '../../src/transports/messages/streams.js';
import type { OutputSink } from '../../src/transports/outputSink.js';
import { RejectCounter } from '../../src/transports/rejectCounter.js';

function reject(raw: Uint8Array, settle: () => Promise<void> = () => Promise.resolve()): Reject {
  return {
    reason: 'json',
    detail: 'Unexpected end of JSON input',
    stream: 'sensors',
    origin: { transport: 'kafka', topic: 'adaptd.sensors', partition: 2, offset: '41' },
    receivedAt: 1_767_600_000_000,
    raw,
    settle,
  };
}

/** An output that records what it is given and holds each publish until released. */
class HeldOutput implements OutputSink {
  readonly published: OutputPayloads['deadletter'][] = [];
  private releases: (() => void)[] = [];

  start(): Promise<void> {
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }

  publish<S extends OutputStream>(stream: S, payload: OutputPayloads[S]): Promise<void> {
    assert.equal(stream, 'deadletter');
    this.published.push(payload as OutputPayloads['deadletter']);
    return new Promise((resolve) => this.releases.push(resolve));
  }

  releaseAll(): void {
    for (const release of this.releases.splice(0)) release();
  }
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('deadLetterOf', () => {
  it('keeps a UTF-8 payload as text with where it came from', () => {
    const letter = deadLetterOf(reject(Buffer.from('{"ts": ')), 4096);
    assert.deepEqual(letter, {
      ts: 1_767_600_000_000,
      reason: 'json',
      detail: 'Unexpected end of JSON input',
      transport: 'kafka',
      topic: 'adaptd.sensors',
      partition: 2,
      offset: '41',
      payload: '{"ts": ',
      encoding: 'utf8',
      bytes: 7,
      truncated: false,
    });
    assert.ok(deadLetterMessageSchema.safeParse(letter).success);
  });

  it('cuts a long payload, backing off to a whole character', () => {
    const text = `${'a'.repeat(9)}€€`; // € is 3 bytes: 15 bytes in all
    const letter = deadLetterOf(reject(Buffer.from(text)), 11);
    assert.equal(letter.payload, 'a'.repeat(9));
    assert.equal(letter.encoding, 'utf8');
    assert.equal(letter.truncated, true);
    assert.equal(letter.bytes, 15);
    assert.equal(deadLetterOf(reject(Buffer.from(text)), 12).payload, `${'a'.repeat(9)}€`);
  });

  it('carries binary payloads as base64', () => {
    const raw = Uint8Array.from([0xff, 0x00, 0xfe, 0x41]);
    const letter = deadLetterOf(reject(raw), 3);
    assert.equal(letter.encoding, 'base64');
    assert.deepEqual([...Buffer.from(letter.payload, 'base64')], [0xff, 0x00, 0xfe]);
    assert.equal(letter.truncated, true);
    const textThenBinary = deadLetterOf(reject(Uint8Array.from([0x41, 0xff, 0x42, 0x43])), 3);
    assert.equal(textThenBinary.encoding, 'base64', 'a valid start does not make it text');
  });

  it('handles an empty payload', () => {
    const letter = deadLetterOf(reject(new Uint8Array(0)), 10);
    assert.deepEqual([letter.payload, letter.encoding, letter.truncated], ['', 'utf8', false]);
  });
});

describe('routeRejects', () => {
  it('counts, dead-letters, then settles each reject', async () => {
    const rejects = new Subject<Reject>();
    const output = new HeldOutput();
    const counted: string[] = [];
    const settled: number[] = [];
    const counter = new RejectCounter({
      count: (reason) => counted.push(reason),
      logger: silentLogger,
    });
    const subscription = routeRejects(rejects, {
      counter,
      output,
      logger: silentLogger,
      maxBytes: 100,
    });
    for (let i = 0; i < 3; i += 1) {
      rejects.next(reject(Buffer.from(`bad ${i}`), () => Promise.resolve(void settled.push(i))));
    }
    assert.equal(counted.length, 3);
    assert.deepEqual(
      output.published.map((letter) => letter.payload),
      ['bad 0', 'bad 1', 'bad 2'],
    );
    await tick();
    assert.deepEqual(settled, [], 'nothing is settled before its dead letter is out');
    output.releaseAll();
    await tick();
    assert.deepEqual(settled.sort(), [0, 1, 2]);
    subscription.unsubscribe();
  });

  it('drops dead letters past the pending limit but still counts and settles', async () => {
    const rejects = new Subject<Reject>();
    const output = new HeldOutput();
    let dropped = 0;
    let settled = 0;
    const counter = new RejectCounter({ count: () => undefined, logger: silentLogger });
    routeRejects(rejects, {
      counter,
      output,
      logger: silentLogger,
      maxBytes: 100,
      maxPending: 2,
      onDropped: () => (dropped += 1),
    });
    for (let i = 0; i < 5; i += 1) {
      rejects.next(reject(Buffer.from('x'), () => Promise.resolve(void (settled += 1))));
    }
    await tick();
    assert.equal(output.published.length, 2);
    assert.equal(dropped, 3);
    assert.equal(settled, 3);
    output.releaseAll();
    await tick();
    assert.equal(settled, 5);
  });

  it('settles even when the dead letter cannot be published', async () => {
    const rejects = new Subject<Reject>();
    let settled = false;
    const failing: OutputSink = {
      start: () => Promise.resolve(),
      stop: () => Promise.resolve(),
      publish: () => Promise.reject(new Error('broker gone')),
    };
    const counter = new RejectCounter({ count: () => undefined, logger: silentLogger });
    routeRejects(rejects, { counter, output: failing, logger: silentLogger, maxBytes: 10 });
    rejects.next(reject(Buffer.from('x'), () => Promise.resolve(void (settled = true))));
    await tick();
    assert.equal(settled, true);
  });
});
