import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { Counter, Registry } from 'prom-client';
import { isAdaptdError } from '../../src/errors.js';
import { HttpServer, type Check } from '../../src/service/httpServer.js';

async function withServer(
  state: { healthy: Check; ready: Record<string, Check> },
  body: (base: string, registry: Registry) => Promise<void>,
): Promise<void> {
  const registry = new Registry();
  new Counter({ name: 'adaptd_test_total', help: 'A test counter.', registers: [registry] }).inc(2);
  const server = new HttpServer({
    host: '127.0.0.1',
    port: 0,
    registry,
    health: () => state.healthy,
    readiness: () => state.ready,
  });
  await server.start();
  try {
    const { host, port } = server.address();
    await body(`http://${host}:${port}`, registry);
  } finally {
    await server.stop();
  }
}

describe('HttpServer', () => {
  it('serves the registry on /metrics in the exposition format', async () => {
    await withServer({ healthy: { ok: true }, ready: {} }, async (base, registry) => {
      const response = await fetch(`${base}/metrics`);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-type'), registry.contentType);
      assert.match(await response.text(), /^adaptd_test_total 2$/m);
    });
  });

  it('answers /healthz and /readyz from their checks, 503 while one fails', async () => {
    const state = {
      healthy: { ok: true } as Check,
      ready: {
        model: { ok: true },
        inputs: { ok: false, detail: 'mqtt not subscribed' },
      } as Record<string, Check>,
    };
    await withServer(state, async (base) => {
      const health = await fetch(`${base}/healthz`);
      assert.equal(health.status, 200);
      assert.deepEqual(await health.json(), { status: 'ok', ok: true });

      const notReady = await fetch(`${base}/readyz`);
      assert.equal(notReady.status, 503);
      const body = (await notReady.json()) as { checks: Record<string, Check> };
      assert.equal(body.checks.inputs?.detail, 'mqtt not subscribed');

      state.ready.inputs = { ok: true };
      assert.equal((await fetch(`${base}/readyz`)).status, 200);
      state.healthy = { ok: false, detail: 'event loop 3000 ms late' };
      assert.equal((await fetch(`${base}/healthz`)).status, 503);
    });
  });

  it('refuses other paths and methods', async () => {
    await withServer({ healthy: { ok: true }, ready: {} }, async (base) => {
      assert.equal((await fetch(`${base}/nope`)).status, 404);
      const post = await fetch(`${base}/metrics`, { method: 'POST' });
      assert.equal(post.status, 405);
      assert.equal(post.headers.get('allow'), 'GET, HEAD');
    });
  });

  it('fails to start on a taken port with SERVICE_FAILED naming the address', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const server = new HttpServer({
        host: '127.0.0.1',
        port,
        registry: new Registry(),
        health: () => ({ ok: true }),
        readiness: () => ({}),
      });
      await assert.rejects(server.start(), (error: unknown) => {
        assert.ok(isAdaptdError(error, 'SERVICE_FAILED'));
        assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
        return true;
      });
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
