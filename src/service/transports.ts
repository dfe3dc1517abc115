import type { AdaptdConfig } from '../config/loadConfig.js';
import { AdaptdError } from '../errors.js';
import type { Logger } from '../log.js';
import type { InputSource, TransportName } from '../transports/inputSource.js';
import { KafkaInput, type ProcessedOffsets } from '../transports/kafka/kafkaInput.js';
import { KafkaOutput } from '../transports/kafka/kafkaOutput.js';
import { KafkajsClient } from '../transports/kafka/kafkajsClient.js';
import { DEFAULT_LIMITS } from '../transports/messages/validateMessage.js';
import { KafkaTopics, MqttTopics } from '../transports/messages/topics.js';
import { MqttInput } from '../transports/mqtt/mqttInput.js';
import { MqttOutput } from '../transports/mqtt/mqttOutput.js';
import { MultiOutput } from '../transports/multiOutput.js';
import type { OutputSink } from '../transports/outputSink.js';
import { kafkaSecurity, mqttSettings } from './brokerSettings.js';

/** The messaging edge of one daemon: its inputs and one output fanning out to every broker. */
export interface Transports {
  inputs: InputSource[];
  output: OutputSink;
  /** Whether each configured transport is up, for adaptd_broker_connected. */
  connected(): Partial<Record<TransportName, boolean>>;
}

export interface TransportOptions {
  /** 4 for MQTT 3.1.1, which the embedded aedes broker speaks; 5 otherwise. */
  mqttProtocolVersion?: 4 | 5;
  /** Kafka offsets kept with the state: saved before each commit, redeliveries skipped. */
  offsets?: ProcessedOffsets;
  onRedelivered?: (transport: TransportName) => void;
}

export type TransportFactory = (
  config: AdaptdConfig,
  logger: Logger,
  options?: TransportOptions,
) => Transports | Promise<Transports>;

/**
 * Builds MQTT and Kafka inputs and outputs for whichever brokers the configuration names. The
 * clients connect when started, not here.
 */
export async function createTransports(
  config: AdaptdConfig,
  logger: Logger,
  options: TransportOptions = {},
): Promise<Transports> {
  const machine = config.machine.id;
  const limits = { ...DEFAULT_LIMITS, maxBytes: config.messages.maxBytes };
  const inputs: InputSource[] = [];
  const sinks: { name: string; sink: OutputSink }[] = [];
  const up = new Map<TransportName, () => boolean>();
  if (config.mqtt.url !== '') {
    const connection = await mqttSettings(config, options.mqttProtocolVersion ?? 5);
    const topics = new MqttTopics(config.mqtt.topicPrefix, machine);
    const clientId = config.mqtt.clientId === '' ? `adaptd-${machine}` : config.mqtt.clientId;
    const input = new MqttInput({
      connection,
      clientId,
      topics,
      sessionExpirySeconds: config.mqtt.sessionExpirySeconds,
      limits,
      logger,
    });
    inputs.push(input);
    sinks.push({
      name: 'mqtt',
      sink: new MqttOutput({ connection, clientId: `${clientId}-out`, topics, logger }),
    });
    up.set('mqtt', () => input.isConnected());
  }
  if (config.kafka.brokers.length > 0) {
    const topics = new KafkaTopics(config.kafka.topicPrefix);
    const groupId = config.kafka.groupId === '' ? `adaptd-${machine}` : config.kafka.groupId;
    const security = await kafkaSecurity(config);
    const client = (role: string) =>
      new KafkajsClient({
        clientId: `adaptd-${machine}-${role}`,
        brokers: config.kafka.brokers,
        logger,
        security,
      });
    const input = new KafkaInput({
      client: client('in'),
      topics,
      machine,
      groupId,
      fromBeginning: config.kafka.fromBeginning,
      sessionTimeoutMs: config.kafka.sessionTimeoutMs,
      // A backlog (after a restart) arrives at full speed: unsettled records are held to what
      // the inference queue can take, a window per `stride` one-row records, or windows drop.
      maxUnsettled: Math.max(
        64,
        Math.floor(config.buffers.rows / config.windows.length) * config.windows.stride,
      ),
      limits,
      ...(options.offsets === undefined ? {} : { offsets: options.offsets }),
      onRedelivered: () => options.onRedelivered?.('kafka'),
      logger,
    });
    inputs.push(input);
    sinks.push({
      name: 'kafka',
      sink: new KafkaOutput({ client: client('out'), topics, machine, logger }),
    });
    up.set('kafka', () => input.isConnected());
  }
  if (inputs.length === 0) {
    throw new AdaptdError(
      'CONFIG_INVALID',
      'no broker configured: set mqtt.url or kafka.brokers (adaptd run starts an embedded ' +
        'broker by itself when both are empty)',
    );
  }
  return {
    inputs,
    output: sinks.length === 1 ? sinks[0]!.sink : new MultiOutput(sinks),
    connected: () => Object.fromEntries([...up].map(([name, isUp]) => [name, isUp()])),
  };
}
