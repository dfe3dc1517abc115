import { readFile } from 'node:fs/promises';
import type { AdaptdConfig } from '../config/loadConfig.js';
import { AdaptdError } from '../errors.js';
import type { Logger } from '../log.js';
import type { InputSource, TransportName } from '../transports/inputSource.js';
import { KafkaInput } from '../transports/kafka/kafkaInput.js';
import { KafkaOutput } from '../transports/kafka/kafkaOutput.js';
import { KafkajsClient } from '../transports/kafka/kafkajsClient.js';
import { DEFAULT_LIMITS } from '../transports/messages/validateMessage.js';
import { KafkaTopics, MqttTopics } from '../transports/messages/topics.js';
import type { MqttConnectionSettings } from '../transports/mqtt/mqttConnection.js';
import { MqttInput } from '../transports/mqtt/mqttInput.js';
import { MqttOutput } from '../transports/mqtt/mqttOutput.js';
import { MultiOutput } from '../transports/multiOutput.js';
import type { OutputSink } from '../transports/outputSink.js';

/** The messaging edge of one daemon: its inputs and one output fanning out to every broker. */
export interface Transports {
  inputs: InputSource[];
  output: OutputSink;
  /** Whether each configured transport is up, for adaptd_broker_connected. */
  connected(): Partial<Record<TransportName, boolean>>;
}

export type TransportFactory = (
  config: AdaptdConfig,
  logger: Logger,
) => Transports | Promise<Transports>;

async function readOptional(path: string, key: string): Promise<Buffer | undefined> {
  if (path === '') return undefined;
  try {
    return await readFile(path);
  } catch (error) {
    throw new AdaptdError('CONFIG_INVALID', `${key}: file ${path} cannot be read`, {
      cause: error,
      context: { key, path },
    });
  }
}

async function mqttConnection(config: AdaptdConfig): Promise<MqttConnectionSettings> {
  const { mqtt } = config;
  const password = await readOptional(mqtt.passwordFile, 'mqtt.passwordFile');
  const [ca, cert, key] = await Promise.all([
    readOptional(mqtt.caFile, 'mqtt.caFile'),
    readOptional(mqtt.certFile, 'mqtt.certFile'),
    readOptional(mqtt.keyFile, 'mqtt.keyFile'),
  ]);
  return {
    url: mqtt.url,
    username: mqtt.username,
    ...(password === undefined ? {} : { password: password.toString('utf8').trim() }),
    tls: { ca, cert, key },
  };
}

/**
 * Builds MQTT and Kafka inputs and outputs for whichever brokers the configuration names. The
 * clients connect when started, not here.
 */
export async function createTransports(config: AdaptdConfig, logger: Logger): Promise<Transports> {
  const machine = config.machine.id;
  const limits = { ...DEFAULT_LIMITS, maxBytes: config.messages.maxBytes };
  const inputs: InputSource[] = [];
  const sinks: { name: string; sink: OutputSink }[] = [];
  const up = new Map<TransportName, () => boolean>();
  if (config.mqtt.url !== '') {
    const connection = await mqttConnection(config);
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
    const state = connectionState(input);
    inputs.push(state.input);
    sinks.push({
      name: 'mqtt',
      sink: new MqttOutput({ connection, clientId: `${clientId}-out`, topics, logger }),
    });
    up.set('mqtt', state.isUp);
  }
  if (config.kafka.brokers.length > 0) {
    const topics = new KafkaTopics(config.kafka.topicPrefix);
    const groupId = config.kafka.groupId === '' ? `adaptd-${machine}` : config.kafka.groupId;
    const client = (role: string) =>
      new KafkajsClient({
        clientId: `adaptd-${machine}-${role}`,
        brokers: config.kafka.brokers,
        logger,
      });
    const input = new KafkaInput({
      client: client('in'),
      topics,
      machine,
      groupId,
      fromBeginning: config.kafka.fromBeginning,
      limits,
      logger,
    });
    const state = connectionState(input);
    inputs.push(state.input);
    sinks.push({
      name: 'kafka',
      sink: new KafkaOutput({ client: client('out'), topics, machine, logger }),
    });
    up.set('kafka', state.isUp);
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

/**
 * The input's connection state when it reports one; otherwise whether it is started and not
 * stopped, which misses a broker lost while running (MqttInput and KafkaInput report none yet).
 */
function connectionState(input: InputSource): { input: InputSource; isUp: () => boolean } {
  const reporting = input as Partial<{ isConnected(): boolean }>;
  if (typeof reporting.isConnected === 'function') {
    return { input, isUp: () => reporting.isConnected!() };
  }
  const tracked = new StartedInput(input);
  return { input: tracked, isUp: () => tracked.running };
}

/** Delegates to an input and remembers whether it is between start and stop. */
class StartedInput implements InputSource {
  running = false;
  readonly transport: TransportName;
  readonly events$: InputSource['events$'];
  readonly rejects$: InputSource['rejects$'];

  constructor(private readonly inner: InputSource) {
    this.transport = inner.transport;
    this.events$ = inner.events$;
    this.rejects$ = inner.rejects$;
  }

  async start(): Promise<void> {
    await this.inner.start();
    this.running = true;
  }

  stopIntake(): Promise<void> {
    return this.inner.stopIntake();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.inner.stop();
  }
}
