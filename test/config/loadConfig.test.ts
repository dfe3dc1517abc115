import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAdaptdError } from '../../src/errors.js';
import { loadConfig } from '../../src/config/loadConfig.js';

async function withConfigDir(
  files: Record<string, unknown>,
  body: (dir: string) => void | Promise<void>,
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'adaptd-config-'));
  try {
    for (const [name, content] of Object.entries(files)) {
      await writeFile(join(dir, name), JSON.stringify(content));
    }
    await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('loadConfig', () => {
  it('layers defaults, the environment file, variables and flags in that order', async () => {
    await withConfigDir(
      {
        'default.json': { machine: { id: 'from-default' } },
        'shop.json': { http: { port: 9100 } },
      },
      (configDir) => {
        const { config } = loadConfig({
          configDir,
          env: { ADAPTD_ENV: 'shop', ADAPTD_LOG_LEVEL: 'debug', ADAPTD_KAFKA_BROKERS: 'a:1, b:2' },
          args: ['--http-port', '9200'],
        });
        assert.equal(config.machine.id, 'from-default');
        assert.equal(config.log.level, 'debug');
        assert.deepEqual(config.kafka.brokers, ['a:1', 'b:2']);
        assert.equal(config.http.port, 9200);
        assert.equal(config.http.host, '127.0.0.1');
      },
    );
  });

  it('lists every bad key with its value and what is allowed', async () => {
    await withConfigDir({}, (configDir) => {
      assert.throws(
        () =>
          loadConfig({
            configDir,
            env: {
              ADAPTD_MACHINE_ID: 'mill 1',
              ADAPTD_HTTP_PORT: '70000',
              ADAPTD_LOG_LEVEL: 'loud',
              ADAPTD_KAFKA_SESSION_TIMEOUT_MS: '1000',
            },
          }),
        (error: unknown) => {
          assert.ok(isAdaptdError(error, 'CONFIG_INVALID'));
          assert.match(error.message, /machine\.id: must be 1 to 64 .* value was "mill 1"/);
          assert.match(error.message, /http\.port: .*value was 70000/);
          assert.match(error.message, /log\.level: must be one of .*value was "loud"/);
          assert.match(error.message, /kafka\.sessionTimeoutMs: .*from 6000 .*value was 1000/);
          return true;
        },
      );
    });
  });

  it('refuses keys the schema does not know', async () => {
    await withConfigDir({ 'default.json': { mqtt: { ulr: 'mqtt://x:1' } } }, (configDir) => {
      assert.throws(() => loadConfig({ configDir, env: {} }), /mqtt\.ulr/);
    });
  });

  it('refuses a missing environment file by name', async () => {
    await withConfigDir({}, (configDir) => {
      assert.throws(
        () => loadConfig({ configDir, env: { ADAPTD_ENV: 'nowhere' } }),
        /nowhere\.json does not exist/,
      );
    });
  });
});
