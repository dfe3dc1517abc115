import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { signCommand } from '../../src/control/commandSignature.js';
import type { CommandMessage } from '../../src/transports/messages/commandMessage.js';
import type { ReplyMessage } from '../../src/transports/messages/replyMessage.js';
import { service, servicesSkip, uniqueName } from '../support/services.js';
import { saveTinyBundle } from '../support/tinyBundle.js';
import { NORMALISER, SCHEMA } from '../windows/fixtures.js';
import { bedConfig, seriesValue, startDaemon } from './daemonBed.js';
import { mqttMachine } from './mqttMachine.js';

const MACHINE = 'mill-cmd';
const SECRET = 'integration-command-secret-0123456789';

/** An operator's client: publishes commands, collects the replies by request id. */
async function operator(t: TestContext, prefix: string) {
  const client = await mqttMachine(t, prefix, MACHINE, 'operator');
  await client.subscribe('replies');
  const replies = () => client.received('replies') as unknown as ReplyMessage[];
  const statuses = (requestId: string) =>
    replies()
      .filter((r) => r.requestId === requestId)
      .map((r) => r.status);
  return {
    replies,
    statuses,
    send: (command: CommandMessage, retain = false) => client.publish('commands', command, retain),
    clearRetained: () => client.raw('commands', '', true),
    waitFor: (requestId: string, count: number) =>
      client.until(
        () => statuses(requestId).length >= count,
        20_000,
        () => `${count} replies to ${requestId} (${statuses(requestId).join(', ')} so far)`,
      ),
  };
}

function command(name: string, requestId: string, args?: Record<string, unknown>) {
  return { requestId, command: name, expiresAt: Date.now() + 60_000, ...(args ? { args } : {}) };
}

describe('commands over the real mosquitto', { skip: servicesSkip() }, () => {
  it(
    'runs signed commands, refuses unsigned and retained ones, answers repeats from the cache',
    { timeout: 90_000 },
    async (t) => {
      const bundle = await saveTinyBundle(SCHEMA, NORMALISER);
      t.after(() => bundle.cleanup());
      const prefix = `adaptd-it/${uniqueName('commands')}`;
      const op = await operator(t, prefix);
      // Retained before the daemon subscribes, so the broker hands it over as retained.
      await op.send(signCommand(command('freeze', 'retained-1'), SECRET), true);
      const { daemon, base } = await startDaemon(
        t,
        bedConfig({
          ADAPTD_MACHINE_ID: MACHINE,
          ADAPTD_MODEL_DIR: bundle.dir,
          ADAPTD_WINDOW_LENGTH: '16',
          ADAPTD_MQTT_URL: service('mqtt'),
          ADAPTD_MQTT_TOPIC_PREFIX: prefix,
          ADAPTD_MQTT_CLIENT_ID: uniqueName('adaptd'),
          ADAPTD_COMMANDS_SECRET: SECRET,
        }),
      );
      await op.waitFor('retained-1', 1);
      assert.deepEqual(op.statuses('retained-1'), ['rejected']);
      assert.equal(op.replies().find((r) => r.requestId === 'retained-1')?.reason, 'retained');
      await op.clearRetained();

      // The retained freeze changed nothing: status says not frozen.
      await op.send(signCommand(command('status', 'status-1'), SECRET));
      await op.waitFor('status-1', 3);
      assert.deepEqual(op.statuses('status-1'), ['accepted', 'in_progress', 'succeeded']);
      assert.equal(op.replies().at(-1)?.detail?.frozen, false, 'not frozen by the retained one');

      await op.send(signCommand(command('freeze', 'freeze-1'), SECRET));
      await op.waitFor('freeze-1', 3);
      assert.deepEqual(op.statuses('freeze-1'), ['accepted', 'in_progress', 'succeeded']);
      assert.equal(op.replies().at(-1)?.detail?.frozen, true);

      const unsigned = command('unfreeze', 'unsigned-1');
      await op.send(unsigned);
      await op.send({
        ...signCommand(unsigned, 'not-the-daemon-secret-at-all'),
        requestId: 'bad-1',
      });
      await op.waitFor('unsigned-1', 1);
      await op.waitFor('bad-1', 1);
      for (const id of ['unsigned-1', 'bad-1']) {
        const reply = op.replies().find((r) => r.requestId === id);
        assert.equal(reply?.status, 'rejected', id);
        assert.equal(reply?.reason, 'unauthenticated', id);
      }

      // The same freeze again: answered from the cache, not run a second time.
      await op.send(signCommand(command('freeze', 'freeze-1'), SECRET));
      await op.waitFor('freeze-1', 4);
      assert.deepEqual(op.statuses('freeze-1'), [
        'accepted',
        'in_progress',
        'succeeded',
        'succeeded',
      ]);

      // Still frozen: neither refused unfreeze changed anything.
      await op.send(signCommand(command('status', 'status-2'), SECRET));
      await op.waitFor('status-2', 3);
      assert.equal(op.replies().at(-1)?.detail?.frozen, true);

      // A snapshot writes a state generation.
      await op.send(signCommand(command('snapshot', 'snap-1'), SECRET));
      await op.waitFor('snap-1', 3);
      assert.equal(op.statuses('snap-1').at(-1), 'succeeded');
      assert.match(String(op.replies().at(-1)?.detail?.path), /generations\/g0{11}1$/);

      const exposition = await (await fetch(`${base}/metrics`)).text();
      const value = (series: string) => seriesValue(exposition, series);
      assert.equal(value('adaptd_commands_rejected_total{reason="unauthenticated"}'), 2);
      assert.equal(value('adaptd_commands_rejected_total{reason="retained"}'), 1);
      assert.equal(value('adaptd_commands_total{command="freeze",outcome="succeeded"}'), 1);
      assert.equal(value('adaptd_commands_total{command="freeze",outcome="duplicate"}'), 1);
      assert.equal(value('adaptd_commands_total{command="freeze",outcome="rejected"}'), 1);
      assert.equal(value('adaptd_state_writes_total{outcome="written"}'), 1);
      assert.equal(daemon.control.restoredState(), undefined, 'a fresh state folder');
    },
  );
});
