import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isAdaptdError } from '../../src/errors.js';
import type { OutputSink } from '../../src/transports/outputSink.js';
import { MultiOutput } from '../../src/transports/multiOutput.js';

/** A sink that records calls into a shared journal and fails where told. */
function sink(
  name: string,
  journal: string[],
  fail: { start?: boolean; publish?: boolean } = {},
): OutputSink {
  return {
    start: () => {
      journal.push(`${name} start`);
      return fail.start === true ? Promise.reject(new Error(`${name} down`)) : Promise.resolve();
    },
    stop: () => {
      journal.push(`${name} stop`);
      return Promise.resolve();
    },
    publish: (stream) => {
      journal.push(`${name} ${stream}`);
      return fail.publish === true ? Promise.reject(new Error(`${name} lost`)) : Promise.resolve();
    },
  };
}

const event = { ts: 1_767_600_000_000, kind: 'adaptation.started' };

describe('MultiOutput', () => {
  it('publishes to every sink and stops them newest first', async () => {
    const journal: string[] = [];
    const output = new MultiOutput([
      { name: 'mqtt', sink: sink('mqtt', journal) },
      { name: 'kafka', sink: sink('kafka', journal) },
    ]);
    await output.start();
    await output.publish('events', event);
    await output.stop();
    assert.deepEqual(journal, [
      'mqtt start',
      'kafka start',
      'mqtt events',
      'kafka events',
      'kafka stop',
      'mqtt stop',
    ]);
  });

  it('still publishes to the others when one sink fails, then says which failed', async () => {
    const journal: string[] = [];
    const output = new MultiOutput([
      { name: 'mqtt', sink: sink('mqtt', journal, { publish: true }) },
      { name: 'kafka', sink: sink('kafka', journal) },
    ]);
    await assert.rejects(output.publish('events', event), (error) => {
      assert.ok(isAdaptdError(error, 'BROKER_UNAVAILABLE'));
      assert.match(error.message, /events failed on mqtt: mqtt lost/);
      assert.deepEqual(error.context.failed, ['mqtt']);
      return true;
    });
    assert.deepEqual(journal, ['mqtt events', 'kafka events']);
  });

  it('undoes a half-finished start', async () => {
    const journal: string[] = [];
    const output = new MultiOutput([
      { name: 'mqtt', sink: sink('mqtt', journal) },
      { name: 'kafka', sink: sink('kafka', journal, { start: true }) },
    ]);
    await assert.rejects(output.start(), /kafka down/);
    assert.deepEqual(journal, ['mqtt start', 'kafka start', 'mqtt stop']);
  });
});
