import { after, before, describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/log.js';
import type { Check } from '../../src/service/httpServer.js';
import { SystemdNotifier } from '../../src/service/systemdNotify.js';
import { openNotifySocket, type NotifySocket } from './notifySocket.js';

/** A logger whose lines the test can read. */
function capturedLogger(): { logger: ReturnType<typeof createLogger>; lines: string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { logger: createLogger({ level: 'debug', destination }), lines };
}

/** Lets pending promise callbacks run; timers stay mocked. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('SystemdNotifier', () => {
  let dir: string;
  let socket: NotifySocket;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'adaptd-notify-'));
    socket = await openNotifySocket(dir);
  });

  after(async () => {
    socket.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('does nothing without NOTIFY_SOCKET', async () => {
    const marker = join(dir, 'ran');
    const command = join(dir, 'fake-notify.sh');
    await writeFile(command, `#!/bin/sh\ntouch '${marker}'\n`);
    await chmod(command, 0o755);
    const notifier = new SystemdNotifier({ env: { WATCHDOG_USEC: '1000000' }, command });

    await notifier.ready('up');
    notifier.startWatchdog(() => ({ ok: true }));
    await notifier.stopping();

    assert.equal(notifier.enabled, false);
    assert.equal(notifier.watchdogIntervalMs(), undefined);
    assert.equal(existsSync(marker), false, 'the notify command ran although systemd is absent');
  });

  it('sends READY with a one-line status, then STOPPING, in order', async () => {
    const notifier = new SystemdNotifier({ env: { ...process.env, NOTIFY_SOCKET: socket.path } });

    void notifier.ready('serving mill-1\nmodel s1');
    void notifier.status('adapting');
    await notifier.stopping('SIGTERM');

    assert.equal(await socket.next(), 'READY=1\nSTATUS=serving mill-1 model s1');
    assert.equal(await socket.next(), 'STATUS=adapting');
    assert.equal(await socket.next(), 'STOPPING=1\nSTATUS=SIGTERM');
  });

  it('pings at half of WATCHDOG_USEC only for its own pid', () => {
    const env = { NOTIFY_SOCKET: socket.path, WATCHDOG_USEC: '30000000' };

    assert.equal(new SystemdNotifier({ env }).watchdogIntervalMs(), 15_000);
    assert.equal(
      new SystemdNotifier({
        env: { ...env, WATCHDOG_PID: '4242' },
        pid: 4242,
      }).watchdogIntervalMs(),
      15_000,
    );
    assert.equal(
      new SystemdNotifier({ env: { ...env, WATCHDOG_PID: '1' }, pid: 4242 }).watchdogIntervalMs(),
      undefined,
    );
    assert.equal(
      new SystemdNotifier({ env: { NOTIFY_SOCKET: socket.path } }).watchdogIntervalMs(),
      undefined,
    );
    assert.equal(
      new SystemdNotifier({ env: { ...env, WATCHDOG_USEC: 'soon' } }).watchdogIntervalMs(),
      undefined,
    );
  });

  it('feeds the watchdog while healthy and withholds the ping while not', async () => {
    mock.timers.enable({ apis: ['setInterval'] });
    const { logger, lines } = capturedLogger();
    const env = { ...process.env, NOTIFY_SOCKET: socket.path, WATCHDOG_USEC: '2000000' };
    const notifier = new SystemdNotifier({ env, logger });
    let health: Check = { ok: false, detail: 'event loop 2500 ms late' };
    try {
      notifier.startWatchdog(() => health);
      mock.timers.tick(1000);
      await settle();
      health = { ok: true };
      mock.timers.tick(1000);
      await settle();
      await notifier.flush();
      await notifier.stopping();
      mock.timers.tick(5000);
      await settle();
      await notifier.status('end');
    } finally {
      notifier.stopWatchdog();
      mock.timers.reset();
    }

    assert.equal(await socket.next(), 'WATCHDOG=1');
    assert.equal(await socket.next(), 'STOPPING=1');
    assert.equal(await socket.next(), 'STATUS=end', 'a ping was sent after STOPPING');
    const withheld = lines.filter((line) => line.includes('watchdog ping withheld'));
    assert.equal(withheld.length, 1, lines.join(''));
    assert.match(withheld[0]!, /event loop 2500 ms late/);
  });

  it('runs one health check at a time and counts a throwing check as unhealthy', async () => {
    mock.timers.enable({ apis: ['setInterval'] });
    const { logger, lines } = capturedLogger();
    const env = { NOTIFY_SOCKET: socket.path, WATCHDOG_USEC: '2000000' };
    const notifier = new SystemdNotifier({ env, logger });
    let calls = 0;
    let release: (check: Check) => void = () => undefined;
    try {
      notifier.startWatchdog(() => {
        calls += 1;
        if (calls === 1) return new Promise<Check>((resolve) => (release = resolve));
        throw new Error('probe exploded');
      });
      mock.timers.tick(1000);
      mock.timers.tick(1000);
      await settle();
      assert.equal(calls, 1, 'a second check started while the first was pending');
      release({ ok: false, detail: 'slow' });
      await settle();
      mock.timers.tick(1000);
      await settle();
      await notifier.status('end');
    } finally {
      notifier.stopWatchdog();
      mock.timers.reset();
    }

    assert.equal(calls, 2);
    assert.ok(
      lines.some((line) => line.includes('probe exploded')),
      `the thrown check was not logged: ${lines.join('')}`,
    );
    assert.equal(await socket.next(), 'STATUS=end', 'a ping was sent for an unhealthy check');
  });

  it('logs a failed send once at warn and never throws', async () => {
    const { logger, lines } = capturedLogger();
    const notifier = new SystemdNotifier({
      env: { NOTIFY_SOCKET: socket.path },
      command: join(dir, 'no-such-notify'),
      logger,
    });

    await notifier.ready();
    await notifier.stopping();

    const levels = lines.map((line) => (JSON.parse(line) as { level: number }).level);
    assert.deepEqual(levels, [40, 20]);
    assert.match(lines[0]!, /systemd notification failed/);
  });
});
