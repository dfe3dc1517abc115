import { AdaptdError } from '../../errors.js';
import { isInputStream, type InputStream, type Stream } from './streams.js';

/** A topic level or prefix: no MQTT wildcards, separators or empty levels. */
const MQTT_PREFIX = /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/;
/** Kafka allows letters, digits, `.`, `_` and `-`, up to 249 characters per topic name. */
const KAFKA_PREFIX = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

function checked(pattern: RegExp, what: string, value: string, allowed: string): string {
  if (!pattern.test(value)) {
    throw new AdaptdError('CONFIG_INVALID', `${what} '${value}' is not usable; ${allowed}`, {
      context: { [what]: value },
    });
  }
  return value;
}

/** Topic names of one machine over MQTT: `<prefix>/<machine>/<stream>`. */
export class MqttTopics {
  readonly prefix: string;
  readonly machine: string;

  constructor(prefix: string, machine: string) {
    const allowed = 'use letters, digits, _ and - (and / between prefix levels)';
    this.prefix = checked(MQTT_PREFIX, 'MQTT topic prefix', prefix, allowed);
    this.machine = checked(/^[A-Za-z0-9_-]{1,64}$/, 'machine id', machine, allowed);
  }

  topic(stream: Stream): string {
    return `${this.prefix}/${this.machine}/${stream}`;
  }

  /** The input stream a topic names; undefined for any other topic. */
  inputStream(topic: string): InputStream | undefined {
    const head = `${this.prefix}/${this.machine}/`;
    if (!topic.startsWith(head)) return undefined;
    const stream = topic.slice(head.length);
    return isInputStream(stream) ? stream : undefined;
  }
}

/** Topic names over Kafka: `<prefix>.<stream>`, shared by every machine and keyed by its id. */
export class KafkaTopics {
  readonly prefix: string;

  constructor(prefix: string) {
    this.prefix = checked(
      KAFKA_PREFIX,
      'Kafka topic prefix',
      prefix,
      'use letters, digits, _ and - (and . between levels)',
    );
  }

  topic(stream: Stream): string {
    return `${this.prefix}.${stream}`;
  }

  /** The input stream a topic names; undefined for any other topic. */
  inputStream(topic: string): InputStream | undefined {
    const head = `${this.prefix}.`;
    if (!topic.startsWith(head)) return undefined;
    const stream = topic.slice(head.length);
    return isInputStream(stream) ? stream : undefined;
  }
}
