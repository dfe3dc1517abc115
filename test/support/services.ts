/**
 * The real services behind the integration tests. `npm test` (scripts/test.sh) starts them and
 * sets ADAPTD_TEST_SERVICES=1 plus one variable per service. Without that flag the suites skip;
 * with it, a missing variable fails the test instead, so a broken test bed cannot pass quietly.
 */
import { randomBytes } from 'node:crypto';

const VARIABLES = {
  /** mqtt://127.0.0.1:PORT of a private mosquitto. */
  mqtt: 'ADAPTD_TEST_MQTT_URL',
  /** host:port of a Kafka 3.9 KRaft broker. */
  kafka: 'ADAPTD_TEST_KAFKA_BROKERS',
  /** host:port of a Kafka 4 KRaft broker. */
  kafka4: 'ADAPTD_TEST_KAFKA4_BROKERS',
  /** Path of the promtool binary. */
  promtool: 'ADAPTD_TEST_PROMTOOL',
  /** Path of the mosquitto binary, for tests that start a broker of their own. */
  mosquitto: 'ADAPTD_TEST_MOSQUITTO',
} as const;

export type ServiceName = keyof typeof VARIABLES;

/** The `skip` option for a suite that needs real services: false under `npm test`, else why. */
export function servicesSkip(): string | false {
  return process.env.ADAPTD_TEST_SERVICES === '1'
    ? false
    : 'needs the real services: run `npm test`, which starts them';
}

/** Where a service is; throws when `npm test` promised services but this one is missing. */
export function service(name: ServiceName): string {
  const variable = VARIABLES[name];
  const value = process.env[variable];
  if (value === undefined || value === '') {
    throw new Error(
      `${variable} is empty although ADAPTD_TEST_SERVICES=1: scripts/test.sh did not provide ${name}`,
    );
  }
  return value;
}

/**
 * A name no other test, run or concurrent run shares, usable as a Kafka topic or group, an MQTT
 * topic level or client id: letters, digits and dashes only.
 */
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}
