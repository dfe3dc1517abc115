import type { IPublishPacket, MqttClient } from 'mqtt';
import { AdaptdError } from '../../errors.js';

/**
 * Holding back PUBACKs with mqtt.js 5.16 (pinned: this leans on its internals).
 *
 * mqtt.js acknowledges a QoS 1 delivery as soon as `handleMessage` calls back, and handles the
 * next packet only after that, so holding the callback would stall the whole connection. When
 * `handleMessage` calls back with an error, mqtt.js moves on to the next packet without sending
 * the PUBACK; the PUBACK is then sent later through the client's private `_sendPacket`. The
 * integration test in test/transports/mqttInput.integration.test.ts checks both halves against
 * the real broker: no acknowledgement before settle, redelivery after a reconnect without it.
 */

/** Passed to the handleMessage callback to skip mqtt.js's own PUBACK; never surfaces. */
const HELD = new Error('acknowledgement held until the message is settled');

interface ClientInternals {
  _sendPacket(
    packet: { cmd: 'puback'; messageId: number },
    callback: (error?: Error) => void,
  ): void;
}

function internals(client: MqttClient): ClientInternals {
  const candidate = client as unknown as Partial<ClientInternals>;
  if (typeof candidate._sendPacket !== 'function') {
    throw new AdaptdError(
      'INTERNAL',
      'mqtt.js has no _sendPacket; manual acknowledgement needs mqtt 5.16.0 as pinned',
      { context: { package: 'mqtt' } },
    );
  }
  return candidate as ClientInternals;
}

/**
 * Routes every incoming PUBLISH to `receive` and leaves the PUBACK of each QoS 1 delivery to
 * sendPuback. A delivery never acknowledged is delivered again after a reconnect.
 */
export function takeOverAcks(client: MqttClient, receive: (packet: IPublishPacket) => void): void {
  internals(client);
  client.handleMessage = (packet, callback) => {
    receive(packet);
    // The callback's type says Error | undefined; mqtt.js only checks it for truthiness.
    if (packet.qos === 1) callback(HELD as never);
    else callback();
  };
}

/**
 * Sends the PUBACK of a delivery. Resolves once written; does nothing when the client is not
 * connected, since the delivery is then redelivered with the session and acknowledging it on a
 * later connection would acknowledge the copy instead.
 */
export function sendPuback(client: MqttClient, messageId: number): Promise<void> {
  if (!client.connected) return Promise.resolve();
  return new Promise((resolve) => {
    internals(client)._sendPacket({ cmd: 'puback', messageId }, () => resolve());
  });
}
