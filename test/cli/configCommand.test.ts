import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Command } from 'commander';
import { registerConfigCommand } from '../../src/cli/configCommand.js';
import { flagKeys } from '../../src/cli/configFlags.js';
import { isAdaptdError } from '../../src/errors.js';

async function run(args: string[]): Promise<string> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let text = '';
  stdout.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  const program = new Command('adaptd').exitOverride();
  registerConfigCommand(program, { stdout, stderr });
  await program.parseAsync(['node', 'adaptd', ...args]);
  return text;
}

describe('adaptd config', () => {
  it('check passes the defaults and names the machine', async () => {
    assert.match(await run(['config', 'check']), /configuration is valid \(machine mill-1\)/);
  });

  it('check lists every bad flag value with its key', async () => {
    await assert.rejects(
      run(['config', 'check', '--machine', 'mill 1', '--http-port', '70000']),
      (error: unknown) => {
        assert.ok(isAdaptdError(error, 'CONFIG_INVALID'));
        assert.match(error.message, /machine\.id: .*"mill 1"/);
        assert.match(error.message, /http\.port: .*70000/);
        return true;
      },
    );
  });

  it('print shows the effective values from flags and files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'adaptd-config-command-'));
    try {
      const file = join(dir, 'site.json');
      await writeFile(file, JSON.stringify({ windows: { channelMap: { S1: 'spindle' } } }));
      const printed = JSON.parse(
        await run(['config', 'print', '--config', file, '--mqtt-url', 'mqtt://10.0.0.5:1883']),
      ) as { mqtt: { url: string }; windows: { channelMap: Record<string, string> } };
      assert.equal(printed.mqtt.url, 'mqtt://10.0.0.5:1883');
      assert.deepEqual(printed.windows.channelMap, { S1: 'spindle' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('offers a flag for every schema key that declares one', () => {
    const flags = flagKeys().map((f) => `${f.flag}=${f.key}`);
    assert.ok(flags.includes('mqtt-url=mqtt.url'));
    assert.ok(flags.includes('kafka-brokers=kafka.brokers'));
    assert.ok(flags.includes('demo-speed=demo.speed'));
  });
});
