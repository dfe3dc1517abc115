import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { AdaptdError } from '../../errors.js';
import type { Logger } from '../../log.js';

/** How to reach the broker; shared by the input and the output client. */
export interface MqttConnectionSettings {
  /** mqtt://, mqtts://, ws:// or wss:// URL. */
  readonly url: string;
  /**
   * 5 (the default) or 4 for MQTT 3.1.1, which the embedded aedes broker speaks. Under 3.1.1 a
   * session never expires and the broker alone decides how many QoS 1 deliveries may wait for
   * their PUBACK (mosquitto: max_inflight_messages, 20 by default).
   */
  readonly protocolVersion?: 4 | 5;
  readonly username?: string;
  readonly password?: string;
  /** PEM contents (not paths) for TLS; read from the configured files by the caller. */
  readonly tls?: { readonly ca?: Buffer; readonly cert?: Buffer; readonly key?: Buffer };
  /** How long one connection attempt may take, in ms. */
  readonly connectTimeoutMs?: number;
  /** First and longest wait between reconnection attempts, in ms; the wait doubles in between. */
  readonly reconnectMinMs?: number;
  readonly reconnectMaxMs?: number;
}

/**
 * Client options common to adaptd's MQTT clients: MQTT 5 unless told otherwise, for the
 * session expiry and the receive maximum that QoS 1 input relies on. mqtt.js's own reconnection is off (it retries
 * at one fixed period); keepReconnecting() backs off instead.
 */
export function baseClientOptions(settings: MqttConnectionSettings): IClientOptions {
  const { tls } = settings;
  return {
    protocolVersion: settings.protocolVersion ?? 5,
    connectTimeout: settings.connectTimeoutMs ?? 10_000,
    reconnectPeriod: 0,
    ...(settings.username === undefined || settings.username === ''
      ? {}
      : { username: settings.username }),
    ...(settings.password === undefined ? {} : { password: settings.password }),
    ...(tls?.ca === undefined ? {} : { ca: tls.ca }),
    ...(tls?.cert === undefined ? {} : { cert: tls.cert }),
    ...(tls?.key === undefined ? {} : { key: tls.key }),
  };
}

/**
 * Reconnects after every lost connection, waiting from the minimum delay up to the maximum,
 * doubling after each failed attempt, with up to a quarter of random jitter so that many
 * daemons do not return in step. The client's stores are handed back to it, so QoS 1 publishes
 * still waiting for their PUBACK are sent again. Returns the function that stops it.
 */
export function keepReconnecting(
  client: MqttClient,
  settings: MqttConnectionSettings,
  logger: Logger,
): () => void {
  const min = settings.reconnectMinMs ?? 1_000;
  const max = Math.max(min, settings.reconnectMaxMs ?? 30_000);
  let delay = min;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let lost = false;
  const onConnect = () => {
    if (delay !== min || lost) logger.info({ url: settings.url }, 'mqtt reconnected');
    delay = min;
    lost = false;
  };
  const onClose = () => {
    if (stopped || timer !== undefined) return;
    lost = true;
    const wait = Math.round(delay * (1 + Math.random() / 4));
    delay = Math.min(max, delay * 2);
    logger.warn({ url: settings.url, retryInMs: wait }, 'mqtt connection lost');
    timer = setTimeout(() => {
      timer = undefined;
      if (stopped) return;
      const { incomingStore, outgoingStore } = client;
      client.reconnect({ incomingStore, outgoingStore });
    }, wait);
  };
  client.on('connect', onConnect);
  client.on('close', onClose);
  return () => {
    stopped = true;
    clearTimeout(timer);
    client.off('connect', onConnect);
    client.off('close', onClose);
  };
}

function firstConnack(client: MqttClient, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const finish = (error?: Error) => {
      clearTimeout(timer);
      client.off('connect', onConnect);
      client.off('error', finish);
      client.off('close', onClose);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onConnect = () => finish();
    const onClose = () => finish(new Error('connection closed before CONNACK'));
    const timer = setTimeout(
      () => finish(new Error(`no CONNACK within ${timeoutMs} ms`)),
      timeoutMs,
    );
    client.on('connect', onConnect);
    client.on('error', finish);
    client.on('close', onClose);
  });
}

/**
 * Opens a client and waits for its first CONNACK; `prepare` sets up handlers before that. A broker that cannot be reached within the
 * connect timeout ends the client and throws a retriable BROKER_UNAVAILABLE.
 */
export async function openClient(
  options: IClientOptions & { url: string },
  logger: Logger,
  prepare: (client: MqttClient) => void = () => undefined,
): Promise<MqttClient> {
  const { url, ...rest } = options;
  const client = connect(url, rest);
  // Before any packet arrives: a resumed session's queued messages follow the CONNACK at once.
  prepare(client);
  try {
    await firstConnack(client, (rest.connectTimeout ?? 10_000) + 1_000);
  } catch (error) {
    await client.endAsync(true);
    const detail = error instanceof Error ? error.message : String(error);
    throw new AdaptdError('BROKER_UNAVAILABLE', `MQTT connect to ${url} failed: ${detail}`, {
      cause: error,
      retriable: true,
      context: { url, clientId: rest.clientId },
    });
  }
  client.on('error', (error) => {
    logger.warn({ err: error, url }, 'mqtt client error');
  });
  return client;
}
