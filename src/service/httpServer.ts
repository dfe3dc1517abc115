import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { AdaptdError } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';

/** One check behind /healthz or /readyz: ok, and a short reason when not. */
export interface Check {
  ok: boolean;
  detail?: string;
}

export interface HttpServerOptions {
  host: string;
  /** 0 takes a free port (tests); see `address()`. */
  port: number;
  registry: Registry;
  /** Process alive and the event loop keeping up. */
  health: () => Check;
  /** Model loaded and inputs subscribed. */
  readiness: () => Record<string, Check>;
  logger?: Logger;
}

/**
 * /metrics, /healthz and /readyz on node:http. Only GET and HEAD; everything else is 405 or
 * 404. Bound to the configured host, 127.0.0.1 by default, so metrics do not leave the box
 * unless someone means them to.
 */
export class HttpServer {
  private server: Server | undefined;
  private readonly log: Logger;

  constructor(private readonly options: HttpServerOptions) {
    this.log = (options.logger ?? silentLogger).child({ component: 'http' });
  }

  async start(): Promise<void> {
    const server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        this.log.error({ err: error, url: request.url }, 'http request failed');
        if (!response.headersSent) response.writeHead(500);
        response.end();
      });
    });
    const { host, port } = this.options;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error) =>
        reject(
          new AdaptdError(
            'SERVICE_FAILED',
            `HTTP server cannot listen on ${host}:${port}: ${error.message}; set http.host and ` +
              'http.port to a free local address',
            { cause: error, context: { host, port } },
          ),
        ),
      );
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    this.log.info(this.address(), 'http listening');
  }

  /** Where the server listens; throws before start. */
  address(): { host: string; port: number } {
    const address = this.server?.address() as AddressInfo | null | undefined;
    if (address === undefined || address === null) {
      throw new AdaptdError('INTERNAL', 'HTTP server address asked for before start');
    }
    return { host: address.address, port: address.port };
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    // A scraper's keep-alive connection would hold close() open until it times out.
    server.closeIdleConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? '/', 'http://local').pathname;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    switch (path) {
      case '/metrics': {
        const { registry } = this.options;
        const body = await registry.metrics();
        response.writeHead(200, { 'content-type': registry.contentType });
        response.end(request.method === 'HEAD' ? undefined : body);
        return;
      }
      case '/healthz': {
        const check = this.options.health();
        sendJson(response, check.ok ? 200 : 503, {
          status: check.ok ? 'ok' : 'unhealthy',
          ...check,
        });
        return;
      }
      case '/readyz': {
        const checks = this.options.readiness();
        const ok = Object.values(checks).every((check) => check.ok);
        sendJson(response, ok ? 200 : 503, { status: ok ? 'ready' : 'not ready', checks });
        return;
      }
      default:
        sendJson(response, 404, { error: `no route ${path}; try /metrics, /healthz or /readyz` });
    }
  }
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(`${JSON.stringify(body)}\n`);
}
