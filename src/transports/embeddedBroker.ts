import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Aedes } from 'aedes';
import { AdaptdError } from '../errors.js';
import type { Logger } from '../log.js';

export interface EmbeddedBrokerOptions {
  /** Loopback by default: the embedded broker is for this box, not the network. */
  readonly host?: string;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  readonly logger: Logger;
}

/**
 * An in-process MQTT broker (aedes) for the embedded default, when no broker is configured.
 * It speaks MQTT 3.1.1 only (aedes has no MQTT 5), keeps sessions in memory, and forgets them
 * when the process ends.
 */
export class EmbeddedBroker {
  /** The MQTT protocol version clients must use with this broker. */
  readonly protocolVersion = 4 as const;
  private readonly logger: Logger;
  private broker: Aedes | undefined;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private address: AddressInfo | undefined;

  constructor(private readonly options: EmbeddedBrokerOptions) {
    this.logger = options.logger.child({ component: 'embedded-broker' });
  }

  /** mqtt://host:port of the running broker. */
  get url(): string {
    if (this.address === undefined) {
      throw new AdaptdError('INTERNAL', 'embedded broker has no address before start()');
    }
    return `mqtt://${this.address.address}:${this.address.port}`;
  }

  async start(): Promise<string> {
    const host = this.options.host ?? '127.0.0.1';
    const port = this.options.port ?? 0;
    const broker = await Aedes.createBroker();
    broker.on('clientError', (client, error) => {
      this.logger.debug({ client: client.id, err: error }, 'embedded broker client error');
    });
    const server = createServer((socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      broker.handle(socket);
    });
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      await new Promise<void>((resolve) => broker.close(resolve));
      throw new AdaptdError(
        'SERVICE_FAILED',
        `embedded MQTT broker cannot listen on ${host}:${port}: ${(error as Error).message}`,
        { cause: error, context: { host, port } },
      );
    }
    this.broker = broker;
    this.server = server;
    this.address = server.address() as AddressInfo;
    this.logger.info({ url: this.url }, 'embedded mqtt broker listening');
    return this.url;
  }

  /** Closes every connection and the broker; safe to call twice. */
  async stop(): Promise<void> {
    const { server, broker } = this;
    this.server = undefined;
    this.broker = undefined;
    if (server === undefined || broker === undefined) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    this.logger.info({}, 'embedded mqtt broker stopped');
  }
}
