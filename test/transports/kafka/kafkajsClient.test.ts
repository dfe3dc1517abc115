import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { isAdaptdError } from '../../../src/errors.js';
import { KafkajsClient } from '../../../src/transports/kafka/kafkajsClient.js';

/** A loopback port that nothing listens on any more, so connecting is refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address === 'object');
  await new Promise<void>((resolve, reject) =>
    server.close((error) => (error ? reject(error) : resolve())),
  );
  return address.port;
}

describe('KafkajsClient', () => {
  it('refuses an empty broker list', () => {
    assert.throws(
      () => new KafkajsClient({ clientId: 'adaptd-test', brokers: [] }),
      (error) => isAdaptdError(error, 'CONFIG_INVALID'),
    );
  });

  it(
    'reports an unreachable broker as BROKER_UNAVAILABLE, worth retrying',
    {
      timeout: 30_000,
    },
    async () => {
      const broker = `127.0.0.1:${await closedPort()}`;
      const client = new KafkajsClient({ clientId: 'adaptd-test', brokers: [broker], retries: 0 });

      await assert.rejects(client.connect(), (error) => {
        assert.ok(isAdaptdError(error, 'BROKER_UNAVAILABLE'), String(error));
        assert.equal(error.retriable, true);
        assert.match(error.message, new RegExp(`connect failed against ${broker}`));
        return true;
      });
      await client.disconnect();
    },
  );
});
