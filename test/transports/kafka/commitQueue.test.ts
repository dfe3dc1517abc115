import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RecordPosition } from '../../../src/transports/kafka/kafkaClient.js';
import { CommitQueue } from '../../../src/transports/kafka/commitQueue.js';

const at = (offset: number): RecordPosition => ({
  topic: 't',
  partition: 0,
  offset: String(offset),
});

/** A commit function whose calls the test completes one by one. */
function manualCommit() {
  const calls: { positions: readonly RecordPosition[]; finish: (error?: Error) => void }[] = [];
  const commit = (positions: readonly RecordPosition[]) =>
    new Promise<void>((resolve, reject) => {
      calls.push({ positions, finish: (error) => (error ? reject(error) : resolve()) });
    });
  return { calls, commit };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('CommitQueue', () => {
  it('runs one commit at a time and sends what arrived meanwhile together', async () => {
    const { calls, commit } = manualCommit();
    const queue = new CommitQueue(commit);
    const first = queue.add([at(1)]);
    const second = queue.add([at(2)]);
    const third = queue.add([at(3)]);
    assert.equal(calls.length, 1);
    assert.deepEqual(calls[0]?.positions, [at(1)]);

    calls[0]?.finish();
    await first;
    await tick();
    assert.equal(calls.length, 2);
    assert.deepEqual(calls[1]?.positions, [at(2), at(3)]);
    calls[1]?.finish();
    await Promise.all([second, third]);
    await queue.flush();
  });

  it('rejects the callers of a failed commit and goes on with the next', async () => {
    const { calls, commit } = manualCommit();
    const queue = new CommitQueue(commit);
    const failed = queue.add([at(1)]);
    const next = queue.add([at(2)]);
    calls[0]?.finish(new Error('coordinator moved'));
    await assert.rejects(failed, /coordinator moved/);
    await tick();
    calls[1]?.finish();
    await next;
  });

  it('resolves at once for nothing and forgets what is discarded', async () => {
    const { calls, commit } = manualCommit();
    const queue = new CommitQueue(commit);
    await queue.add([]);
    assert.equal(calls.length, 0);
    const running = queue.add([at(1)]);
    const waiting = queue.add([at(2)]);
    queue.discard();
    await waiting;
    calls[0]?.finish();
    await running;
    await queue.flush();
    assert.equal(calls.length, 1, 'the discarded position is never sent');
  });
});
