import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventLoopMonitor } from '../../src/service/eventLoopMonitor.js';

describe('EventLoopMonitor', () => {
  it('is healthy while ticks come on time and unhealthy after a late one', () => {
    let now = 0;
    const monitor = new EventLoopMonitor(500, 2000, () => now);
    for (now = 500; now <= 2000; now += 500) monitor.tick(now);
    assert.deepEqual(monitor.status(2100), { ok: true, delayMs: 0 });

    now = 2000 + 500 + 3000;
    monitor.tick(now);
    assert.deepEqual(monitor.status(now), { ok: false, delayMs: 3000 });

    monitor.tick(now + 500);
    assert.deepEqual(monitor.status(now + 500), { ok: true, delayMs: 0 });
  });

  it('is unhealthy when no tick has come for longer than the limit', () => {
    const monitor = new EventLoopMonitor(500, 2000, () => 0);
    monitor.tick(500);
    assert.equal(monitor.status(2900).ok, true);
    assert.deepEqual(monitor.status(3100), { ok: false, delayMs: 2100 });
  });
});
