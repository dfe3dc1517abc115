import { readFile } from 'node:fs/promises';
import type { SASLOptions } from 'kafkajs';
import type { AdaptdConfig } from '../config/loadConfig.js';
import { AdaptdError } from '../errors.js';
import type { KafkaSecurity } from '../transports/kafka/kafkajsClient.js';
import type { MqttConnectionSettings } from '../transports/mqtt/mqttConnection.js';

async function readOptional(path: string, key: string): Promise<Buffer | undefined> {
  if (path === '') return undefined;
  try {
    return await readFile(path);
  } catch (error) {
    // The path may be named, the contents never.
    throw new AdaptdError('CONFIG_INVALID', `${key}: file ${path} cannot be read`, {
      cause: error,
      context: { key, path },
    });
  }
}

/**
 * A secret from the environment (`value`, which the schema takes from the environment only) or
 * from the file `file` names, one trailing newline removed. Both at once is refused, so that no
 * one wonders which of them is in use.
 */
export async function readSecret(
  value: string,
  file: string,
  key: string,
): Promise<string | undefined> {
  if (value !== '' && file !== '') {
    throw new AdaptdError(
      'CONFIG_INVALID',
      `${key} and ${key}File are both set; give the secret one way only`,
      { context: { key } },
    );
  }
  if (value !== '') return value;
  const contents = await readOptional(file, `${key}File`);
  return contents?.toString('utf8').replace(/\r?\n$/, '');
}

/** How to reach the MQTT broker, with the password and TLS material read from their files. */
export async function mqttSettings(
  config: AdaptdConfig,
  protocolVersion: 4 | 5,
): Promise<MqttConnectionSettings> {
  const { mqtt } = config;
  const password = await readSecret(mqtt.password, mqtt.passwordFile, 'mqtt.password');
  const [ca, cert, key] = await Promise.all([
    readOptional(mqtt.caFile, 'mqtt.caFile'),
    readOptional(mqtt.certFile, 'mqtt.certFile'),
    readOptional(mqtt.keyFile, 'mqtt.keyFile'),
  ]);
  if ((cert === undefined) !== (key === undefined)) {
    throw new AdaptdError('CONFIG_INVALID', 'mqtt.certFile and mqtt.keyFile go together', {
      context: { certFile: mqtt.certFile, keyFile: mqtt.keyFile },
    });
  }
  return {
    url: mqtt.url,
    protocolVersion,
    username: mqtt.username,
    ...(password === undefined ? {} : { password }),
    tls: { ca, cert, key },
  };
}

/** TLS and SASL for the Kafka clients, read from the configuration and its files. */
export async function kafkaSecurity(config: AdaptdConfig): Promise<KafkaSecurity> {
  const { kafka } = config;
  const [ca, cert, key] = await Promise.all([
    readOptional(kafka.caFile, 'kafka.caFile'),
    readOptional(kafka.certFile, 'kafka.certFile'),
    readOptional(kafka.keyFile, 'kafka.keyFile'),
  ]);
  if ((cert === undefined) !== (key === undefined)) {
    throw new AdaptdError('CONFIG_INVALID', 'kafka.certFile and kafka.keyFile go together', {
      context: { certFile: kafka.certFile, keyFile: kafka.keyFile },
    });
  }
  const material = ca !== undefined || cert !== undefined;
  if (material && !kafka.tls) {
    throw new AdaptdError(
      'CONFIG_INVALID',
      'kafka.caFile, kafka.certFile or kafka.keyFile is set but kafka.tls is false; set ' +
        'kafka.tls to true to use them',
      { context: { tls: kafka.tls } },
    );
  }
  const ssl = kafka.tls
    ? {
        ...(ca === undefined ? {} : { ca: [ca] }),
        ...(cert === undefined ? {} : { cert }),
        ...(key === undefined ? {} : { key }),
      }
    : undefined;
  const { mechanism, username } = kafka.sasl;
  if (mechanism === 'none') return ssl === undefined ? {} : { ssl };
  const password = await readSecret(
    kafka.sasl.password,
    kafka.sasl.passwordFile,
    'kafka.sasl.password',
  );
  if (username === '' || password === undefined) {
    throw new AdaptdError(
      'CONFIG_INVALID',
      `kafka.sasl.mechanism is ${mechanism}: it needs kafka.sasl.username and a password ` +
        '(kafka.sasl.passwordFile or ADAPTD_KAFKA_SASL_PASSWORD)',
      { context: { mechanism, username } },
    );
  }
  // The schema allows exactly these three mechanisms besides none.
  const sasl = { mechanism, username, password } as SASLOptions;
  return ssl === undefined ? { sasl } : { ssl, sasl };
}
