import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseConsoleTime, RunClock } from '../../src/data/consoleTime.js';

function elapsed(texts: string[]): number[] {
  const clock = new RunClock();
  return texts.map((text) => {
    const time = parseConsoleTime(text);
    assert.ok(time !== undefined, text);
    const step = clock.step(time);
    assert.ok(step.ok, text);
    return Math.round(step.elapsed * 1000) / 1000;
  });
}

describe('consoleTime', () => {
  it('parses HH:MM:SS.fff and MM:SS.f', () => {
    assert.deepEqual(parseConsoleTime('14:25:23.700'), { format: 'hms', seconds: 51_923.7 });
    assert.deepEqual(parseConsoleTime('22:05.9'), { format: 'ms', seconds: 1325.9 });
    assert.deepEqual(parseConsoleTime('22:06'), { format: 'ms', seconds: 1326 });
    for (const bad of ['', '1:2:3', '24:00:00.000', '12:61:00.0', 'noon', '22:65.0']) {
      assert.equal(parseConsoleTime(bad), undefined, bad);
    }
  });

  it('counts seconds from the first row and undoes wraps past midnight and the hour', () => {
    assert.deepEqual(elapsed(['14:25:23.700', '14:25:23.955', '14:25:24.213']), [0, 0.255, 0.513]);
    assert.deepEqual(elapsed(['23:59:59.800', '00:00:00.050', '00:00:00.300']), [0, 0.25, 0.5]);
    assert.deepEqual(elapsed(['59:59.9', '00:00.1', '00:00.1', '00:00.4']), [0, 0.2, 0.2, 0.5]);
  });

  it('refuses a step back that is no wrap and a change of format', () => {
    const clock = new RunClock();
    clock.step({ format: 'hms', seconds: 100 });
    assert.deepEqual(clock.step({ format: 'hms', seconds: 99 }), {
      ok: false,
      reason: 'backwards',
    });
    assert.deepEqual(clock.step({ format: 'ms', seconds: 101 }), {
      ok: false,
      reason: 'format-changed',
    });
  });
});
