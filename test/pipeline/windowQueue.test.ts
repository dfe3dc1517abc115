import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WindowQueue, windowsIn } from '../../src/pipeline/windowQueue.js';
import type { SensorWindow, WindowerOutput } from '../../src/windows/sensorWindow.js';

function window(from: number): WindowerOutput {
  const w = { id: `m:${from}`, from, to: from + 3, doneThrough: from + 1 } as SensorWindow;
  return { kind: 'window', window: w };
}

function describeItems(items: WindowerOutput[]): string[] {
  return items.map((o) => (o.kind === 'window' ? `w${o.window.from}` : `r${o.doneThrough}`));
}

describe('WindowQueue', () => {
  it('drops new windows past its capacity but keeps their release, in order', () => {
    const queue = new WindowQueue(2);
    const kept = [window(0), window(10), window(20), window(30)].map((o) => queue.push(o));

    assert.deepEqual(kept, [true, true, false, false]);
    assert.equal(queue.dropped, 2);
    assert.equal(queue.windows, 2);
    // The two releases of the dropped windows fold into one.
    assert.deepEqual(describeItems(queue.take(10)), ['w0', 'w10', 'r31']);
    assert.equal(queue.size, 0);
  });

  it('takes at most a batch of windows, with the releases among them', () => {
    const queue = new WindowQueue(10);
    queue.push(window(0));
    queue.push({ kind: 'release', doneThrough: 5 });
    queue.push(window(10));
    queue.push(window(20));

    const first = queue.take(2);
    assert.deepEqual(describeItems(first), ['w0', 'r5', 'w10']);
    assert.deepEqual(
      windowsIn(first).map((w) => w.from),
      [0, 10],
    );
    assert.deepEqual(describeItems(queue.take(2)), ['w20']);
    assert.equal(queue.windows, 0);
  });

  it('wakes a waiting taker on push and on interrupt', async () => {
    const queue = new WindowQueue(1);
    const waiting = queue.waitForItems();
    queue.push(window(0));
    await waiting;
    queue.take(1);
    const interrupted = queue.waitForItems();
    queue.interrupt();
    await interrupted;
    assert.equal(queue.size, 0);
  });
});
