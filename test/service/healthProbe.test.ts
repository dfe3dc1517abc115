import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { probeHealthz } from '../../src/service/healthProbe.js';
import { HttpServer, type Check } from '../../src/service/httpServer.js';

async function withServer(
  host: string,
  state: { health: Check },
  body: (port: number) => Promise<void>,
): Promise<void> {
  const server = new HttpServer({
    host,
    port: 0,
    registry: new Registry(),
    health: () => state.health,
    readiness: () => ({}),
  });
  await server.start();
  try {
    await body(server.address().port);
  } finally {
    await server.stop();
  }
}

describe('probeHealthz', () => {
  it("reports the daemon's own /healthz, with the reason while unhealthy", async () => {
    const state: { health: Check } = { health: { ok: true } };
    await withServer('127.0.0.1', state, async (port) => {
      assert.deepEqual(await probeHealthz({ host: '127.0.0.1', port }), { ok: true });
      state.health = { ok: false, detail: 'event loop 3000 ms late' };
      assert.deepEqual(await probeHealthz({ host: '127.0.0.1', port }), {
        ok: false,
        detail: 'event loop 3000 ms late',
      });
    });
  });

  it('reaches a server bound to every interface over loopback', async () => {
    await withServer('0.0.0.0', { health: { ok: true } }, async (port) => {
      assert.deepEqual(await probeHealthz({ host: '0.0.0.0', port }), { ok: true });
    });
  });

  it('fails, without throwing, when nothing answers', async () => {
    let closedPort = 0;
    await withServer('127.0.0.1', { health: { ok: true } }, (port) => {
      closedPort = port;
      return Promise.resolve();
    });

    const check = await probeHealthz({ host: '127.0.0.1', port: closedPort });

    assert.equal(check.ok, false);
    assert.match(check.detail ?? '', new RegExp(`127\\.0\\.0\\.1:${closedPort}/healthz`));
  });
});
