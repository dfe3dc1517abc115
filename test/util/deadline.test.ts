import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withDeadline } from '../../src/util/deadline.js';

const after = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('withDeadline', () => {
  it('resolves with the promise when it settles first, and never calls onExpiry', async () => {
    let expired = 0;
    await withDeadline(after(5), 1_000, () => {
      expired += 1;
    });
    await after(20);
    assert.equal(expired, 0, 'onExpiry ran although the promise settled in time');
  });

  it('passes on the promise rejection when it settles first', async () => {
    await assert.rejects(
      withDeadline(Promise.reject(new Error('broken')), 1_000, () => undefined),
      /broken/,
    );
  });

  it('goes on without the result when onExpiry returns', async () => {
    let expired = 0;
    const started = Date.now();
    await withDeadline(new Promise(() => undefined), 30, () => {
      expired += 1;
    });
    assert.equal(expired, 1, 'onExpiry was not called once');
    assert.ok(Date.now() - started < 1_000, 'the deadline did not end the wait');
  });

  it('rejects with what onExpiry throws', async () => {
    await assert.rejects(
      withDeadline(new Promise(() => undefined), 10, () => {
        throw new Error('too slow');
      }),
      /too slow/,
    );
  });
});
