import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/loadConfig.js';
import { kafkaSecurity, mqttSettings, readSecret } from '../../src/service/brokerSettings.js';

const SECRET = 's3cret-value-7d1';

async function folder(t: { after: (fn: () => unknown) => void }) {
  const dir = await mkdtemp(join(tmpdir(), 'adaptd-secrets-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const config = (env: Record<string, string>) =>
  loadConfig({ configDir: '/nonexistent', env }).config;

describe('broker secrets', () => {
  it('reads a password from its file, one trailing newline removed', async (t) => {
    const dir = await folder(t);
    await writeFile(join(dir, 'pw'), `${SECRET}\n`);
    assert.equal(await readSecret('', join(dir, 'pw'), 'mqtt.password'), SECRET);
    assert.equal(await readSecret(SECRET, '', 'mqtt.password'), SECRET);
    assert.equal(await readSecret('', '', 'mqtt.password'), undefined);
  });

  it('refuses a secret given both ways, and a file it cannot read', async () => {
    await assert.rejects(readSecret(SECRET, '/etc/hostname', 'mqtt.password'), /both set/);
    await assert.rejects(readSecret('', '/nonexistent/pw', 'kafka.sasl.password'), (error: Error) =>
      /kafka\.sasl\.passwordFile/.test(error.message),
    );
  });

  it('refuses a configuration file that sets a secret, without echoing it', async (t) => {
    const dir = await folder(t);
    for (const body of [
      { mqtt: { password: SECRET } },
      { kafka: { sasl: { password: SECRET } } },
      { commands: { secret: SECRET } },
    ]) {
      await writeFile(join(dir, 'default.json'), JSON.stringify(body));
      assert.throws(
        () => loadConfig({ configDir: dir, env: {} }),
        (error: Error) =>
          /secrets are read only/.test(error.message) && !error.message.includes(SECRET),
        `${JSON.stringify(Object.keys(body))} refused`,
      );
    }
    await writeFile(join(dir, 'default.json'), JSON.stringify({ mqtt: { passwordFile: '/x' } }));
    assert.equal(loadConfig({ configDir: dir, env: {} }).config.mqtt.passwordFile, '/x');
  });

  it('takes secrets from the environment but never from flags, and redacts them', () => {
    const loaded = loadConfig({
      configDir: '/nonexistent',
      env: { ADAPTD_MQTT_PASSWORD: SECRET, ADAPTD_KAFKA_SASL_PASSWORD: SECRET },
    });
    assert.equal(loaded.config.mqtt.password, SECRET);
    assert.ok(!loaded.toRedactedJson().includes(SECRET), 'config print shows no secret');
    const flagged = loadConfig({
      configDir: '/nonexistent',
      args: ['--mqtt-password', SECRET, '--password', SECRET],
      env: {},
    });
    assert.equal(flagged.config.mqtt.password, '', 'no flag sets a password');
  });

  it('builds MQTT settings with the password from the environment', async () => {
    const settings = await mqttSettings(
      config({
        ADAPTD_MQTT_URL: 'mqtts://h:8883',
        ADAPTD_MQTT_USERNAME: 'u',
        ADAPTD_MQTT_PASSWORD: SECRET,
      }),
      5,
    );
    assert.equal(settings.password, SECRET);
    assert.equal(settings.username, 'u');
    await assert.rejects(
      mqttSettings(config({ ADAPTD_MQTT_CERT_FILE: '/etc/hostname' }), 5),
      /go together/,
    );
  });

  it('builds Kafka TLS and SASL from the configuration', async (t) => {
    const dir = await folder(t);
    await writeFile(join(dir, 'ca.pem'), 'CA PEM');
    await writeFile(join(dir, 'pw'), SECRET);
    assert.deepEqual(await kafkaSecurity(config({})), {});
    const security = await kafkaSecurity(
      config({
        ADAPTD_KAFKA_TLS: 'true',
        ADAPTD_KAFKA_CA_FILE: join(dir, 'ca.pem'),
        ADAPTD_KAFKA_SASL_MECHANISM: 'scram-sha-512',
        ADAPTD_KAFKA_SASL_USERNAME: 'adaptd',
        ADAPTD_KAFKA_SASL_PASSWORD_FILE: join(dir, 'pw'),
      }),
    );
    assert.deepEqual(security.sasl, {
      mechanism: 'scram-sha-512',
      username: 'adaptd',
      password: SECRET,
    });
    assert.equal(String((security.ssl?.ca as Buffer[])[0]), 'CA PEM');
    await assert.rejects(
      kafkaSecurity(config({ ADAPTD_KAFKA_SASL_MECHANISM: 'plain' })),
      /needs kafka\.sasl\.username and a password/,
    );
    await assert.rejects(
      kafkaSecurity(config({ ADAPTD_KAFKA_CA_FILE: join(dir, 'ca.pem') })),
      /kafka\.tls is false/,
    );
  });
});
