import type { MqttClient } from 'mqtt';
import { AdaptdError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { InputPublisher } from '../inputPublisher.js';
import type { InputPayloads } from '../messages/payloadSchemas.js';
import type { InputStream } from '../messages/streams.js';
import type { MqttTopics } from '../messages/topics.js';
import {
  baseClientOptions,
  keepReconnecting,
  openClient,
  type MqttConnectionSettings,
} from './mqttConnection.js';

export interface MqttInputPublisherOptions {
  readonly connection: MqttConnectionSettings;
  readonly clientId: string;
  readonly topics: MqttTopics;
  readonly logger: Logger;
}

/** Publishes input messages over MQTT at QoS 1, never retained, to `<prefix>/<machine>/<stream>`. */
export class MqttInputPublisher implements InputPublisher {
  private readonly logger: Logger;
  private client: MqttClient | undefined;
  private stopReconnecting: () => void = () => undefined;

  constructor(private readonly options: MqttInputPublisherOptions) {
    this.logger = options.logger.child({ component: 'mqtt-publisher' });
  }

  async start(): Promise<void> {
    const { connection, clientId } = this.options;
    this.client = await openClient(
      { ...baseClientOptions(connection), url: connection.url, clientId, clean: true },
      this.logger,
    );
    this.stopReconnecting = keepReconnecting(this.client, connection, this.logger);
  }

  async publish<S extends InputStream>(stream: S, payload: InputPayloads[S]): Promise<void> {
    if (this.client === undefined) {
      throw new AdaptdError('INTERNAL', 'MqttInputPublisher used before start(); start it first');
    }
    await this.client.publishAsync(this.options.topics.topic(stream), JSON.stringify(payload), {
      qos: 1,
      retain: false,
    });
  }

  async stop(): Promise<void> {
    this.stopReconnecting();
    const client = this.client;
    this.client = undefined;
    await client?.endAsync();
  }
}
