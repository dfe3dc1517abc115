import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { CommandAuth } from '../../src/control/commandAuth.js';
import { CommandHandler } from '../../src/control/commandHandler.js';
import { signCommand } from '../../src/control/commandSignature.js';
import type { LabelSink, LabelSpan } from '../../src/control/labelSink.js';
import { silentLogger } from '../../src/log.js';
import { DaemonMetrics } from '../../src/metrics/daemonMetrics.js';
import type { InputOrigin } from '../../src/transports/inputSource.js';
import type { CommandMessage } from '../../src/transports/messages/commandMessage.js';
import type { ReplyMessage } from '../../src/transports/messages/replyMessage.js';
import { FakeTarget } from './fakeTarget.js';

const SECRET = 'shared-secret-of-the-test-bed';
const NOW = 1_780_000_000_000;
const LIVE: InputOrigin = { transport: 'mqtt', topic: 'adaptd/mill-1/commands' };

function bed(options: { auth?: CommandAuth; labels?: LabelSink; cacheSize?: number } = {}) {
  const target = new FakeTarget();
  const replies: ReplyMessage[] = [];
  const metrics = new DaemonMetrics(new Registry(), {
    version: 'test',
    modelVersion: 'm',
    backend: 'cpu',
    heads: [],
    defaultMetrics: false,
  });
  const handler = new CommandHandler({
    target,
    auth: options.auth ?? CommandAuth.sharedSecret(SECRET),
    reply: (reply) => {
      replies.push(reply);
      return Promise.resolve();
    },
    metrics,
    ...(options.labels === undefined ? {} : { labels: options.labels }),
    maxLifetimeMs: 60_000,
    cacheSize: options.cacheSize ?? 16,
    logger: silentLogger,
    now: () => NOW,
  });
  const statuses = (requestId: string) =>
    replies.filter((r) => r.requestId === requestId).map((r) => r.status);
  const count = async (name: 'commands' | 'commandsRejected', labels: Record<string, string>) => {
    const values = (await metrics[name].get()).values;
    const match = values.find((v) =>
      Object.entries(labels).every(
        ([k, value]) => (v.labels as Record<string, unknown>)[k] === value,
      ),
    );
    return match?.value ?? 0;
  };
  return { target, replies, handler, statuses, count };
}

function command(
  name: string,
  args?: Record<string, unknown>,
  requestId = `req-${name}`,
): CommandMessage {
  return signCommand(
    { requestId, command: name, expiresAt: NOW + 30_000, ...(args ? { args } : {}) },
    SECRET,
  );
}

describe('CommandHandler', () => {
  it('runs a signed command: accepted, in progress, succeeded', async () => {
    const { target, handler, statuses, replies, count } = bed();
    await handler.handle(command('freeze'), LIVE);
    await handler.idle();
    assert.deepEqual(statuses('req-freeze'), ['accepted', 'in_progress', 'succeeded']);
    assert.equal(target.frozen, true, 'the target is frozen');
    assert.deepEqual(replies.at(-1)?.detail, {
      adapterVersion: null,
      frozen: true,
      adapting: false,
    });
    assert.equal(await count('commands', { command: 'freeze', outcome: 'succeeded' }), 1);
  });

  it('refuses unsigned, badly signed and re-signed-with-another-secret commands', async () => {
    const { target, handler, replies, count } = bed();
    const signed = command('reset');
    const unsigned: CommandMessage = { ...signed };
    delete unsigned.signature;
    await handler.handle({ ...unsigned, requestId: 'a' }, LIVE);
    await handler.handle({ ...signed, requestId: 'b' }, LIVE); // signature covers the old id
    await handler.handle(signCommand({ ...unsigned, requestId: 'c' }, 'some-other-secret!!'), LIVE);
    await handler.handle({ ...signed, signature: 'zz' }, LIVE);
    await handler.idle();
    assert.deepEqual(target.calls, [], 'nothing ran');
    assert.deepEqual(
      replies.map((r) => [r.status, r.reason]),
      Array.from({ length: 4 }, () => ['rejected', 'unauthenticated']),
    );
    assert.equal(await count('commandsRejected', { reason: 'unauthenticated' }), 4);
  });

  it('does not cache refused forgeries, so the real command with that id still runs', async () => {
    const { target, handler, statuses } = bed();
    const real = command('snapshot', undefined, 'victim');
    await handler.handle({ ...real, signature: '0'.repeat(64) }, LIVE);
    await handler.handle(real, LIVE);
    await handler.idle();
    assert.deepEqual(statuses('victim'), ['rejected', 'accepted', 'in_progress', 'succeeded']);
    assert.deepEqual(target.calls, ['snapshot']);
  });

  it('answers a repeated request id from the cache without running it again', async () => {
    const { target, handler, statuses, count } = bed();
    await handler.handle(command('rollback'), LIVE);
    await handler.idle();
    await handler.handle(command('rollback'), LIVE);
    assert.deepEqual(target.calls, ['rollback'], 'ran once');
    assert.deepEqual(statuses('req-rollback'), [
      'accepted',
      'in_progress',
      'succeeded',
      'succeeded',
    ]);
    assert.equal(await count('commands', { command: 'rollback', outcome: 'duplicate' }), 1);
  });

  it('forgets the oldest request past the cache size', async () => {
    const { target, handler } = bed({ cacheSize: 2 });
    for (const id of ['one', 'two', 'three', 'one']) {
      await handler.handle(command('status', undefined, id), LIVE);
      await handler.idle();
    }
    assert.deepEqual(target.calls, [], 'status calls nothing on the target');
    const { handler: h2, target: t2 } = bed({ cacheSize: 2 });
    for (const id of ['one', 'two', 'three', 'one', 'three']) {
      await h2.handle(command('freeze', undefined, id), LIVE);
      await h2.idle();
    }
    assert.deepEqual(t2.calls, ['freeze', 'freeze', 'freeze', 'freeze'], '"one" ran again');
  });

  it('answers an expired command as expired and runs nothing', async () => {
    const { target, handler, replies, count } = bed();
    const stale = signCommand({ requestId: 'old', command: 'reset', expiresAt: NOW - 1 }, SECRET);
    await handler.handle(stale, LIVE);
    assert.deepEqual(target.calls, []);
    assert.deepEqual(
      replies.map((r) => r.status),
      ['expired'],
    );
    assert.equal(await count('commands', { command: 'reset', outcome: 'expired' }), 1);
  });

  it('refuses a command with no expiry or one beyond the longest lifetime', async () => {
    const { target, handler, replies } = bed();
    await handler.handle(signCommand({ requestId: 'x', command: 'reset' }, SECRET), LIVE);
    await handler.handle(
      signCommand({ requestId: 'y', command: 'reset', expiresAt: NOW + 3_600_000 }, SECRET),
      LIVE,
    );
    assert.deepEqual(target.calls, []);
    assert.deepEqual(
      replies.map((r) => [r.status, r.reason]),
      [
        ['rejected', 'invalid'],
        ['rejected', 'invalid'],
      ],
    );
  });

  it('never runs a retained command, even a well signed one', async () => {
    const { target, handler, replies, count } = bed();
    await handler.handle(command('reset'), { ...LIVE, retained: true });
    await handler.idle();
    assert.deepEqual(target.calls, []);
    assert.deepEqual(
      replies.map((r) => [r.status, r.reason]),
      [['rejected', 'retained']],
    );
    assert.equal(await count('commandsRejected', { reason: 'retained' }), 1);
    // Not cached: the same request sent live afterwards runs.
    await handler.handle(command('reset'), LIVE);
    await handler.idle();
    assert.deepEqual(target.calls, ['reset']);
  });

  it('refuses a second adaptation while one runs, then takes one again', async () => {
    const { target, handler, statuses, count } = bed();
    await handler.handle(command('readapt', { strategy: 'mmd' }, 'first'), LIVE);
    await handler.handle(command('readapt', undefined, 'second'), LIVE);
    assert.deepEqual(statuses('second'), ['rejected']);
    assert.equal(await count('commandsRejected', { reason: 'busy' }), 1);
    while (!target.adapting) await new Promise((resolve) => setImmediate(resolve));
    target.endAdaptation({ result: 'promoted', adapterVersion: 'a1', scores: { target: 0.9 } });
    await handler.idle();
    assert.deepEqual(statuses('first'), ['accepted', 'in_progress', 'succeeded']);
    await handler.handle(command('readapt', undefined, 'third'), LIVE);
    assert.equal(statuses('third')[0], 'accepted');
    while (!target.adapting) await new Promise((resolve) => setImmediate(resolve));
    target.endAdaptation({ result: 'failed', adapterVersion: null, reason: 'non-finite loss' });
    await handler.idle();
    assert.deepEqual(statuses('third'), ['accepted', 'in_progress', 'failed']);
    assert.deepEqual(target.calls, ['readapt:mmd', 'readapt:']);
  });

  it('reports a busy target found after acceptance as rejected busy', async () => {
    const { target, handler, replies } = bed();
    target.adapting = true; // an adaptation the schedule started, unknown to status() a moment ago
    const status = target.status.bind(target);
    target.status = () => ({ ...status(), adapting: false });
    await handler.handle(command('readapt'), LIVE);
    await handler.idle();
    assert.deepEqual(
      replies.map((r) => [r.status, r.reason]),
      [
        ['accepted', undefined],
        ['in_progress', undefined],
        ['rejected', 'busy'],
      ],
    );
  });

  it('reports a target failure as failed with its error code', async () => {
    const { handler, replies } = bed();
    await handler.handle(command('promote', { version: 'missing' }), LIVE);
    await handler.idle();
    assert.equal(replies.at(-1)?.status, 'failed');
    assert.equal(replies.at(-1)?.reason, 'STATE_CORRUPT');
  });

  it('validates the arguments of every command and runs nothing on a bad one', async () => {
    const bad: Array<[string, Record<string, unknown>]> = [
      ['readapt', { strategy: 'Not A Name' }],
      ['readapt', { extra: 1 }],
      ['rollback', { to: 'a1' }],
      ['promote', {}],
      ['promote', { version: 7 }],
      ['freeze', { now: true }],
      ['unfreeze', { x: 1 }],
      ['reset', { hard: true }],
      ['snapshot', { path: '/etc' }],
      ['status', { verbose: true }],
      ['label', { from: NOW - 10, to: NOW - 20, head: 'tool', label: 'damaged' }],
      ['label', { from: NOW - 20, to: NOW - 10, head: '9bad', label: 'damaged' }],
      ['label', { from: NOW - 20, to: NOW - 10, head: 'tool' }],
    ];
    const { target, handler, replies, count } = bed();
    for (const [n, [name, args]] of bad.entries()) {
      await handler.handle(command(name, args, `bad-${n}`), LIVE);
    }
    await handler.handle(command('launch', {}, 'unknown'), LIVE);
    await handler.idle();
    assert.deepEqual(target.calls, [], 'nothing ran');
    assert.equal(replies.length, bad.length + 1);
    for (const reply of replies.slice(0, bad.length)) {
      assert.equal(reply.status, 'rejected', `${reply.requestId} rejected`);
      assert.equal(reply.reason, 'invalid', `${reply.requestId}: ${JSON.stringify(reply.detail)}`);
      assert.match(String(reply.detail?.message), /^args/, 'the detail names the argument');
    }
    assert.equal(replies.at(-1)?.reason, 'unknown_command');
    assert.equal(await count('commandsRejected', { reason: 'invalid' }), bad.length);
  });

  it('runs each command with good arguments on the target', async () => {
    const spans: LabelSpan[] = [];
    const labels: LabelSink = {
      label: (span) => {
        spans.push(span);
        return Promise.resolve({ windows: 3 });
      },
    };
    const { target, handler, replies } = bed({ labels });
    const good: Array<[string, Record<string, unknown> | undefined]> = [
      ['promote', { version: 'a7' }],
      ['rollback', undefined],
      ['freeze', {}],
      ['unfreeze', undefined],
      ['reset', undefined],
      ['snapshot', undefined],
      ['status', undefined],
      ['label', { from: NOW - 20, to: NOW - 10, head: 'tool', label: 'damaged' }],
    ];
    for (const [name, args] of good) {
      await handler.handle(command(name, args), LIVE);
      await handler.idle();
    }
    const last = replies.filter((r) => r.status !== 'accepted' && r.status !== 'in_progress');
    assert.deepEqual(
      last.map((r) => r.status),
      good.map(() => 'succeeded'),
    );
    assert.deepEqual(target.calls, [
      'promote:a7',
      'rollback',
      'freeze',
      'unfreeze',
      'reset',
      'snapshot',
    ]);
    assert.deepEqual(spans, [
      { from: NOW - 20, to: NOW - 10, head: 'tool', label: 'damaged', requestId: 'req-label' },
    ]);
    assert.deepEqual(last.at(-1)?.detail, { windows: 3 });
  });

  it('refuses label without a label path as unavailable', async () => {
    const { handler, replies } = bed();
    await handler.handle(
      command('label', { from: NOW - 20, to: NOW - 10, head: 'tool', label: 'damaged' }),
      LIVE,
    );
    assert.deepEqual(
      replies.map((r) => [r.status, r.reason]),
      [['rejected', 'unavailable']],
    );
  });

  describe('with an allow-list of clients', () => {
    const clients = new Map([
      ['hmi-1', 'secret-of-the-hmi-panel'],
      ['mes', 'secret-of-the-mes-system'],
    ]);
    const auth = CommandAuth.identities(clients);
    const from = (client: string | undefined, secret: string, requestId: string) =>
      signCommand(
        {
          requestId,
          command: 'freeze',
          expiresAt: NOW + 1_000,
          ...(client === undefined ? {} : { client }),
        },
        secret,
      );

    it('runs a command signed by the client it names', async () => {
      const { target, handler, statuses } = bed({ auth });
      await handler.handle(from('mes', 'secret-of-the-mes-system', 'm1'), LIVE);
      await handler.idle();
      assert.deepEqual(statuses('m1'), ['accepted', 'in_progress', 'succeeded']);
      assert.deepEqual(target.calls, ['freeze']);
    });

    it('refuses a wrong identity, an unknown client and a command naming none', async () => {
      const { target, handler, replies } = bed({ auth });
      // Signed with the HMI's secret while claiming to be the MES.
      await handler.handle(from('mes', 'secret-of-the-hmi-panel', 'w1'), LIVE);
      await handler.handle(from('intruder', 'secret-of-the-hmi-panel', 'w2'), LIVE);
      await handler.handle(from(undefined, 'secret-of-the-hmi-panel', 'w3'), LIVE);
      await handler.idle();
      assert.deepEqual(target.calls, []);
      assert.deepEqual(
        replies.map((r) => [r.requestId, r.status, r.reason]),
        [
          ['w1', 'rejected', 'unauthenticated'],
          ['w2', 'rejected', 'unauthenticated'],
          ['w3', 'rejected', 'unauthenticated'],
        ],
      );
      assert.match(String(replies[1]?.detail?.message), /intruder is not allowed/);
    });

    it('keeps request ids of different clients apart', async () => {
      const { target, handler } = bed({ auth });
      await handler.handle(from('mes', 'secret-of-the-mes-system', 'same'), LIVE);
      await handler.idle();
      await handler.handle(from('hmi-1', 'secret-of-the-hmi-panel', 'same'), LIVE);
      await handler.idle();
      assert.deepEqual(target.calls, ['freeze', 'freeze']);
    });
  });

  it('refuses everything when secret mode has no secret', async () => {
    const { target, handler, replies } = bed({ auth: CommandAuth.closed() });
    await handler.handle(command('freeze'), LIVE);
    assert.deepEqual(target.calls, []);
    assert.equal(replies[0]?.reason, 'unauthenticated');
  });
});
