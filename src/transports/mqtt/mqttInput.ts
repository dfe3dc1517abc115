import type { IPublishPacket, MqttClient } from 'mqtt';
import { Subject } from 'rxjs';
import type { Logger } from '../../log.js';
import type { InputEvent, InputOrigin, InputSource, Reject, Settle } from '../inputSource.js';
import { INPUT_STREAMS, type InputStream } from '../messages/streams.js';
import type { MqttTopics } from '../messages/topics.js';
import {
  DEFAULT_LIMITS,
  validateMessage,
  type MessageLimits,
} from '../messages/validateMessage.js';
import { SettleLedger } from '../settleLedger.js';
import { takeOverAcks, sendPuback } from './manualAck.js';
import {
  baseClientOptions,
  keepReconnecting,
  openClient,
  type MqttConnectionSettings,
} from './mqttConnection.js';

export interface MqttInputOptions {
  readonly connection: MqttConnectionSettings;
  /** Fixed across restarts: the broker keeps the session, and its QoS 1 messages, by this id. */
  readonly clientId: string;
  readonly topics: MqttTopics;
  /** Input streams to subscribe to; all by default. */
  readonly streams?: readonly InputStream[];
  /** How long the broker keeps the session while adaptd is away, in seconds. */
  readonly sessionExpirySeconds: number;
  /**
   * Most QoS 1 deliveries held unsettled. It is sent to the broker as MQTT 5's receive maximum,
   * so the broker stops sending once that many wait for their PUBACK; to keep the stream from
   * stalling there, the oldest is then acknowledged unsettled and `onForcedAck` is called.
   */
  readonly maxUnsettled?: number;
  readonly onForcedAck?: () => void;
  readonly limits?: MessageLimits;
  readonly logger: Logger;
  readonly now?: () => number;
}

/**
 * Input over MQTT: a persistent MQTT 5 session under a fixed client id, QoS 1 subscriptions, and
 * PUBACKs held back until each message is settled, so a message the daemon has not finished
 * with is delivered again after a reconnect or restart.
 */
export class MqttInput implements InputSource {
  readonly transport = 'mqtt' as const;
  private readonly events = new Subject<InputEvent>();
  private readonly rejects = new Subject<Reject>();
  readonly events$ = this.events.asObservable();
  readonly rejects$ = this.rejects.asObservable();
  private readonly logger: Logger;
  private readonly maxUnsettled: number;
  private readonly now: () => number;
  private client: MqttClient | undefined;
  private stopReconnecting: () => void = () => undefined;
  /** Deliveries of the current connection; replaced when it closes, since its ids die with it. */
  private ledger = new SettleLedger<number>();
  private intake = true;
  private stopped = false;

  constructor(private readonly options: MqttInputOptions) {
    this.logger = options.logger.child({ component: 'mqtt-input' });
    this.maxUnsettled = options.maxUnsettled ?? 1_000;
    this.now = options.now ?? Date.now;
  }

  async start(): Promise<void> {
    const { connection, clientId, sessionExpirySeconds } = this.options;
    const client = await openClient(
      {
        ...baseClientOptions(connection),
        url: connection.url,
        clientId,
        clean: false,
        ...(connection.protocolVersion === 4
          ? {}
          : {
              properties: {
                sessionExpiryInterval: sessionExpirySeconds,
                receiveMaximum: this.maxUnsettled,
              },
            }),
      },
      this.logger,
      (opening) => {
        takeOverAcks(opening, (packet) => this.receive(opening, packet));
        opening.on('close', () => this.dropUnsettled());
      },
    );
    this.client = client;
    this.stopReconnecting = keepReconnecting(client, connection, this.logger);
    const streams = this.options.streams ?? INPUT_STREAMS;
    const topics = streams.map((stream) => this.options.topics.topic(stream));
    // Subscribing again on a resumed session is harmless and covers a session the broker lost.
    await client.subscribeAsync(topics, { qos: 1 });
    // mqtt.js resubscribes by itself only when it reconnects by itself, which it does not here.
    client.on('connect', (connack) => {
      if (connack.sessionPresent) return;
      this.logger.warn({ clientId }, 'mqtt session lost by the broker; subscribing again');
      client.subscribeAsync(topics, { qos: 1 }).catch((error: unknown) => {
        this.logger.error({ err: error, topics }, 'mqtt subscribe after reconnect failed');
      });
    });
    this.logger.info({ url: connection.url, clientId, topics }, 'mqtt input subscribed');
  }

  /** Whether the client is connected to the broker right now. */
  isConnected(): boolean {
    return this.client?.connected === true;
  }

  stopIntake(): Promise<void> {
    if (this.intake) {
      this.intake = false;
      this.events.complete();
      this.rejects.complete();
    }
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    await this.stopIntake();
    if (this.stopped) return;
    this.stopped = true;
    this.stopReconnecting();
    const unsettled = this.ledger.close();
    await this.client?.endAsync();
    this.logger.info({ unsettled }, 'mqtt input stopped');
  }

  private receive(client: MqttClient, packet: IPublishPacket): void {
    // After stopIntake a QoS 1 delivery stays unacknowledged, so the session keeps it.
    if (!this.intake) return;
    const settle = packet.qos === 1 ? this.hold(client, packet.messageId ?? 0) : noSettle;
    const origin: InputOrigin = {
      transport: 'mqtt',
      topic: packet.topic,
      ...(packet.retain ? { retained: true } : {}),
    };
    const receivedAt = this.now();
    const raw = toBytes(packet.payload);
    const stream = this.options.topics.inputStream(packet.topic);
    if (stream === undefined) {
      const detail = `topic ${packet.topic} names no input stream`;
      this.rejects.next({ reason: 'unknown_stream', detail, origin, receivedAt, raw, settle });
      return;
    }
    const result = validateMessage(stream, raw, this.options.limits ?? DEFAULT_LIMITS, receivedAt);
    if (!result.ok) {
      const { reason, detail } = result;
      this.rejects.next({ reason, detail, stream, origin, receivedAt, raw, settle });
      return;
    }
    this.events.next({
      stream: result.stream,
      payload: result.payload,
      origin,
      receivedAt,
      settle,
    } as InputEvent);
  }

  /** Records a QoS 1 delivery and returns the settle that releases its PUBACK in order. */
  private hold(client: MqttClient, messageId: number): Settle {
    const ledger = this.ledger;
    const ticket = ledger.add(messageId);
    if (ledger.size >= this.maxUnsettled) {
      const forced = ledger.forceOldest();
      this.options.onForcedAck?.();
      this.logger.debug({ forced: forced.length }, 'mqtt input acknowledged unsettled deliveries');
      void acknowledge(client, forced);
    }
    return () => acknowledge(client, ledger.settle(ticket));
  }

  private dropUnsettled(): void {
    const dropped = this.ledger.close();
    this.ledger = new SettleLedger<number>();
    if (dropped > 0) {
      this.logger.info(
        { dropped },
        'mqtt connection closed with unsettled deliveries; the broker redelivers them',
      );
    }
  }
}

const noSettle: Settle = () => Promise.resolve();

async function acknowledge(client: MqttClient, messageIds: readonly number[]): Promise<void> {
  for (const messageId of messageIds) await sendPuback(client, messageId);
}

function toBytes(payload: Buffer | string): Uint8Array {
  return typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
}
