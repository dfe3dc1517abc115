import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SettleTracker } from '../../src/pipeline/settleTracker.js';

/** A settle function that records its name when called. */
function recorder() {
  const settled: string[] = [];
  const settle = (name: string) => () => {
    settled.push(name);
    return Promise.resolve();
  };
  return { settled, settle };
}

describe('SettleTracker', () => {
  it('settles a sensor message once its last row is done, in time order', () => {
    const { settled, settle } = recorder();
    const tracker = new SettleTracker((error) => assert.fail(String(error)));
    tracker.trackRows(settle('a'), 1000);
    tracker.trackRows(settle('c'), 3000);
    tracker.trackRows(settle('b'), 2000);

    tracker.advance(999);
    assert.deepEqual(settled, []);
    tracker.advance(2000);
    assert.deepEqual(settled, ['a', 'b']);
    assert.equal(tracker.pending, 1);
    tracker.advance(1500);
    tracker.advance(3000);
    assert.deepEqual(settled, ['a', 'b', 'c']);
  });

  it('settles at once a message that gave no row, or only rows already done', () => {
    const { settled, settle } = recorder();
    const tracker = new SettleTracker((error) => assert.fail(String(error)));
    tracker.trackRows(settle('nothing'), undefined);
    tracker.advance(5000);
    tracker.trackRows(settle('old'), 4000);
    tracker.settleNow(settle('label'));

    assert.deepEqual(settled, ['nothing', 'old', 'label']);
    assert.equal(tracker.pending, 0);
  });

  it('holds a G-code line until a later line has started within the done rows', () => {
    const { settled, settle } = recorder();
    const tracker = new SettleTracker((error) => assert.fail(String(error)));
    tracker.trackGcode(settle('line 1'), 1000);
    tracker.trackGcode(settle('line 2'), 2000);
    tracker.trackGcode(settle('line 3'), 3000);

    tracker.advance(1999);
    assert.deepEqual(settled, []);
    tracker.advance(2000);
    assert.deepEqual(settled, ['line 1']);
    tracker.advance(10_000);
    // The newest line is still needed by the rows to come.
    assert.deepEqual(settled, ['line 1', 'line 2']);
    tracker.trackGcode(settle('line 4'), 9000);
    assert.deepEqual(settled, ['line 1', 'line 2', 'line 3']);
  });

  it('reports a settle that fails without stopping the others', async () => {
    const errors: unknown[] = [];
    const { settled, settle } = recorder();
    const tracker = new SettleTracker((error) => errors.push(error));
    tracker.trackRows(() => Promise.reject(new Error('connection gone')), 10);
    tracker.trackRows(settle('next'), 20);
    tracker.advance(20);
    await new Promise((resolve) => setImmediate(resolve));

    assert.deepEqual(settled, ['next']);
    assert.match(String(errors[0]), /connection gone/);
  });
});
