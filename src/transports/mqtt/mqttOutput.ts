import type { MqttClient } from 'mqtt';
import { AdaptdError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { OutputPayloads } from '../messages/payloadSchemas.js';
import type { StatusMessage } from '../messages/statusMessage.js';
import type { OutputStream } from '../messages/streams.js';
import type { MqttTopics } from '../messages/topics.js';
import type { OutputSink } from '../outputSink.js';
import {
  baseClientOptions,
  keepReconnecting,
  openClient,
  type MqttConnectionSettings,
} from './mqttConnection.js';

export interface MqttOutputOptions {
  readonly connection: MqttConnectionSettings;
  /** Any id not used by another client; the output keeps no session. */
  readonly clientId: string;
  readonly topics: MqttTopics;
  readonly logger: Logger;
  /** How long stop() waits for the offline status to reach the broker, in ms. */
  readonly stopTimeoutMs?: number;
  readonly now?: () => number;
}

type StatusInput = Omit<StatusMessage, 'session' | 'ts'> & Partial<StatusMessage>;

/**
 * Output over MQTT, every message QoS 1. The status is retained and guarded by a last will
 * `offline`; both carry the session number, which grows with every connection (the connect
 * time in ms, or one more than the last session if that is later), so a subscriber can tell a
 * late will from the state of the current connection (the will's `ts` is when its connection
 * began, as it is fixed then). After a reconnect the last status given
 * is published again under the new session, replacing the will the broker sent meanwhile.
 * Nothing else is retained.
 */
export class MqttOutput implements OutputSink {
  private readonly logger: Logger;
  private readonly now: () => number;
  private client: MqttClient | undefined;
  private stopReconnecting: () => void = () => undefined;
  private session = 0;
  private status: StatusInput = { state: 'starting' };
  private stopping = false;

  constructor(private readonly options: MqttOutputOptions) {
    this.logger = options.logger.child({ component: 'mqtt-output' });
    this.now = options.now ?? Date.now;
  }

  /** The session number of the current (or next) connection. */
  get currentSession(): number {
    return this.session;
  }

  async start(): Promise<void> {
    const { connection, clientId, topics } = this.options;
    this.advanceSession();
    const client = await openClient(
      {
        ...baseClientOptions(connection),
        url: connection.url,
        clientId,
        clean: true,
        will: { topic: topics.topic('status'), payload: this.willPayload(), qos: 1, retain: true },
      },
      this.logger,
    );
    this.client = client;
    this.stopReconnecting = keepReconnecting(client, connection, this.logger);
    client.on('close', () => {
      if (this.stopping) return;
      this.advanceSession();
      if (client.options.will !== undefined) client.options.will.payload = this.willPayload();
    });
    client.on('connect', () => {
      this.publishStatus().catch((error: unknown) => {
        this.logger.warn({ err: error }, 'status not republished after reconnect');
      });
    });
    await this.publishStatus();
    this.logger.info(
      { url: connection.url, clientId, session: this.session },
      'mqtt output connected',
    );
  }

  async publish<S extends OutputStream>(stream: S, payload: OutputPayloads[S]): Promise<void> {
    if (stream === 'status') {
      this.status = payload as OutputPayloads['status'];
      return this.publishStatus();
    }
    await this.connected().publishAsync(
      this.options.topics.topic(stream),
      JSON.stringify(payload),
      {
        qos: 1,
        retain: false,
      },
    );
  }

  /** Publishes the offline status (a clean exit sends no will), then disconnects. */
  async stop(): Promise<void> {
    if (this.stopping || this.client === undefined) return;
    this.stopping = true;
    this.stopReconnecting();
    const client = this.client;
    this.status = { state: 'offline', reason: 'stopped' };
    const timeoutMs = this.options.stopTimeoutMs ?? 5_000;
    let timer: NodeJS.Timeout | undefined;
    const published = await Promise.race([
      this.publishStatus().then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
    ]).finally(() => clearTimeout(timer));
    if (!published) this.logger.warn({ timeoutMs }, 'offline status not confirmed before stop');
    await client.endAsync(!published);
    this.logger.info({ session: this.session }, 'mqtt output stopped');
  }

  private advanceSession(): void {
    this.session = Math.max(this.session + 1, this.now());
  }

  private willPayload(): string {
    return JSON.stringify({
      state: 'offline',
      session: this.session,
      ts: this.now(),
      reason: 'connection lost',
    } satisfies StatusMessage);
  }

  private async publishStatus(): Promise<void> {
    const message: StatusMessage = { ...this.status, session: this.session, ts: this.now() };
    await this.connected().publishAsync(
      this.options.topics.topic('status'),
      JSON.stringify(message),
      {
        qos: 1,
        retain: true,
      },
    );
  }

  private connected(): MqttClient {
    if (this.client === undefined) {
      throw new AdaptdError('INTERNAL', 'MqttOutput used before start(); start it first', {
        context: { clientId: this.options.clientId },
      });
    }
    return this.client;
  }
}
