import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema } from '../../src/config/configSchema.js';
import { configEnvNames } from './configEnv.js';
import { environment, readUnit, timespanMs, value, values } from './unitFile.js';
import { runTool } from './runTool.js';

const UNIT = 'systemd/adaptd@.service';
const DROP_INS = ['systemd/credentials.conf', 'systemd/gpu.conf'];
/**
 * Parts the daemon stops one after another, each within service.stopTimeoutMs: seven in
 * src/service/daemon.ts today, room for the adaptation, control and state parts of issue 6.
 */
const STOPPED_PARTS = 10;
/** Time after the last part for the process to flush its logs and exit. */
const EXIT_MARGIN_MS = 10_000;

/** Lays the unit out as one machine's instance, with the drop-ins beside it, in a temp dir. */
async function instanceUnit(dir: string, dropIns: string[]): Promise<string> {
  const path = join(dir, 'adaptd@mill-1.service');
  await copyFile(UNIT, path);
  await mkdir(`${path}.d`, { recursive: true });
  for (const dropIn of dropIns) await copyFile(dropIn, join(`${path}.d`, dropIn.split('/').pop()!));
  return path;
}

/** The overall exposure score `systemd-analyze security --offline=true` gives a unit. */
async function securityScore(path: string): Promise<{ score: number; report: string }> {
  const result = await runTool('systemd-analyze', ['security', '--offline=true', path]);
  const report = result.stdout + result.stderr;
  const match = /Overall exposure level for \S+: (\d+\.\d+)/.exec(report);
  assert.ok(match !== null, `no overall score in:\n${report}`);
  return { score: Number(match[1]), report };
}

describe('systemd unit adaptd@.service', () => {
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'adaptd-unit-'));
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('passes systemd-analyze verify as an instance, with and without its drop-ins', async () => {
    for (const dropIns of [[], DROP_INS]) {
      const sub = await mkdtemp(join(dir, 'verify-'));
      const result = await runTool('systemd-analyze', ['verify', await instanceUnit(sub, dropIns)]);

      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stderr.trim(), '', `verify warned with drop-ins ${dropIns.join()}`);
    }
  });

  it('lets verify fail on a unit that is wrong', async () => {
    const sub = await mkdtemp(join(dir, 'broken-'));
    const path = await instanceUnit(sub, []);
    const text = await readFile(path, 'utf8');
    await writeFile(path, text.replace('/usr/bin/node', '/usr/bin/no-such-node'));

    const result = await runTool('systemd-analyze', ['verify', path]);

    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /no-such-node/);
  });

  it('scores 2.0 or lower in systemd-analyze security, also with the GPU drop-in', async () => {
    const plain = await securityScore(await instanceUnit(await mkdtemp(join(dir, 'sec-')), []));
    const gpu = await securityScore(
      await instanceUnit(await mkdtemp(join(dir, 'sec-')), ['systemd/gpu.conf']),
    );

    assert.ok(plain.score <= 2.0, `exposure ${plain.score} is over 2.0:\n${plain.report}`);
    assert.ok(gpu.score <= 2.0, `exposure with gpu.conf ${gpu.score} is over 2.0:\n${gpu.report}`);
  });

  it('is a notify service with a watchdog, one state folder and config per machine', () => {
    const unit = readUnit(UNIT);

    assert.equal(value(unit, 'Service', 'Type'), 'notify');
    // systemd-notify runs as a child of the daemon, so main-only access would drop its messages.
    assert.equal(value(unit, 'Service', 'NotifyAccess'), 'all');
    assert.ok(timespanMs(value(unit, 'Service', 'WatchdogSec')) >= 10_000, 'watchdog under 10 s');
    assert.equal(value(unit, 'Service', 'StateDirectory'), 'adaptd/%i');
    assert.match(value(unit, 'Service', 'ExecStart'), / run --config \/etc\/adaptd\/%i\.json$/);
    assert.equal(environment(unit).get('ADAPTD_MACHINE_ID'), '%i');
    assert.equal(environment(unit).get('ADAPTD_STATE_DIR'), '%S/adaptd/%i');
    assert.equal(value(unit, 'Service', 'Restart'), 'on-failure');
    assert.ok(values(unit, 'Unit', 'StartLimitBurst').length === 1, 'no restart limit');
  });

  it('is hardened without MemoryDenyWriteExecute and keeps AF_UNIX', () => {
    const unit = readUnit(UNIT);
    const families = value(unit, 'Service', 'RestrictAddressFamilies').split(/\s+/);

    assert.equal(value(unit, 'Service', 'DynamicUser'), 'yes');
    assert.equal(value(unit, 'Service', 'CapabilityBoundingSet'), '');
    assert.equal(value(unit, 'Service', 'ProtectSystem'), 'strict');
    for (const key of ['NoNewPrivileges', 'PrivateTmp', 'ProtectHome', 'LockPersonality']) {
      assert.equal(value(unit, 'Service', key), 'yes', key);
    }
    assert.deepEqual(families.sort(), ['AF_INET', 'AF_INET6', 'AF_UNIX']);
    assert.deepEqual(values(unit, 'Service', 'MemoryDenyWriteExecute'), [], "breaks V8's JIT");
  });

  it('waits longer for a stop than the daemon may take for one', () => {
    const stopTimeoutMs = configSchema.service.stopTimeoutMs.default;
    const overridden = environment(readUnit(UNIT, ...DROP_INS)).get('ADAPTD_STOP_TIMEOUT_MS');
    const configured = overridden === undefined ? stopTimeoutMs : Number(overridden);
    const unitMs = timespanMs(value(readUnit(UNIT), 'Service', 'TimeoutStopSec'));

    assert.ok(
      unitMs >= STOPPED_PARTS * configured + EXIT_MARGIN_MS,
      `TimeoutStopSec is ${unitMs} ms; ${STOPPED_PARTS} parts of ${configured} ms need more`,
    );
  });

  it('sets only environment variables the configuration reads', () => {
    const known = new Set(configEnvNames());
    const env = environment(readUnit(UNIT, ...DROP_INS));
    const adaptd = [...env.keys()].filter((name) => name.startsWith('ADAPTD_'));

    assert.ok(adaptd.length >= 4, `too few ADAPTD_ variables found: ${adaptd.join()}`);
    for (const name of adaptd) assert.ok(known.has(name), `${name} is not a configuration key`);
  });
});
