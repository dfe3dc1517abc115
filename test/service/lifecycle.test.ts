import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isAdaptdError } from '../../src/errors.js';
import { Lifecycle, type Component } from '../../src/service/lifecycle.js';

/** A component that writes what happens to it into a shared journal. */
function part(
  name: string,
  journal: string[],
  behaviour: { failStart?: boolean; failStop?: boolean; startGate?: Promise<void> } = {},
): Component {
  return {
    name,
    async start() {
      journal.push(`start ${name}`);
      await behaviour.startGate;
      if (behaviour.failStart === true) throw new Error(`${name} cannot start`);
    },
    async stop() {
      journal.push(`stop ${name}`);
      await Promise.resolve();
      if (behaviour.failStop === true) throw new Error(`${name} cannot stop`);
    },
  };
}

describe('Lifecycle', () => {
  it('starts in order and stops in reverse', async () => {
    const journal: string[] = [];
    const life = new Lifecycle();
    for (const name of ['config', 'model', 'http', 'inputs']) life.add(part(name, journal));

    await life.start();
    assert.deepEqual(life.running(), ['config', 'model', 'http', 'inputs']);
    await life.stop();

    assert.deepEqual(journal, [
      'start config',
      'start model',
      'start http',
      'start inputs',
      'stop inputs',
      'stop http',
      'stop model',
      'stop config',
    ]);
    assert.deepEqual(life.running(), []);
  });

  it('undoes a half-finished start and rethrows the failure', async () => {
    const journal: string[] = [];
    const life = new Lifecycle()
      .add(part('model', journal))
      .add(part('http', journal))
      .add(part('outputs', journal, { failStart: true }))
      .add(part('inputs', journal));

    await assert.rejects(life.start(), /outputs cannot start/);

    assert.deepEqual(journal, [
      'start model',
      'start http',
      'start outputs',
      'stop http',
      'stop model',
    ]);
  });

  it('keeps stopping the rest when one stop fails, then reports it', async () => {
    const journal: string[] = [];
    const life = new Lifecycle()
      .add(part('a', journal))
      .add(part('b', journal, { failStop: true }))
      .add(part('c', journal));
    await life.start();

    await assert.rejects(life.stop(), (error: unknown) => {
      assert.ok(isAdaptdError(error, 'SERVICE_FAILED'));
      assert.match(error.message, /1 component\(s\) failed to stop/);
      return true;
    });
    assert.deepEqual(journal.slice(3), ['stop c', 'stop b', 'stop a']);
  });

  it('stops a component whose start was under way when stop was asked for', async () => {
    const journal: string[] = [];
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const life = new Lifecycle()
      .add(part('a', journal))
      .add(part('slow', journal, { startGate: gate }))
      .add(part('never', journal));

    const starting = life.start();
    await new Promise((resolve) => setImmediate(resolve));
    const stopping = life.stop();
    open();

    await assert.rejects(starting, /abandoned because stop was asked for/);
    await stopping;
    assert.deepEqual(journal, ['start a', 'start slow', 'stop slow', 'stop a']);
  });

  it('gives up on a stop that hangs and goes on with the others', async () => {
    const journal: string[] = [];
    const hang: Component = {
      name: 'hang',
      start: () => Promise.resolve(),
      stop: () => new Promise<void>(() => undefined),
    };
    const life = new Lifecycle({ stopTimeoutMs: 20 }).add(part('a', journal)).add(hang);
    await life.start();

    await assert.rejects(life.stop(), /failed to stop/);
    assert.deepEqual(journal, ['start a', 'stop a']);
  });
});
