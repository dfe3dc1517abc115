import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerWatch, type BrokerOutage } from '../../src/service/brokerWatch.js';

describe('BrokerWatch', () => {
  it('reports an outage once when it starts and once with its length when it ends', () => {
    let now = 1_000;
    const state = { mqtt: true, kafka: true };
    const lost: string[] = [];
    const recovered: BrokerOutage[] = [];
    const watch = new BrokerWatch({
      connected: () => state,
      onLost: (transport) => lost.push(transport),
      onRecovered: (outage) => recovered.push(outage),
      now: () => now,
    });
    watch.check();
    assert.deepEqual(watch.readiness(), { ok: true }, 'ready with both brokers');
    state.kafka = false;
    watch.check();
    now += 2_500;
    watch.check();
    assert.deepEqual(lost, ['kafka'], 'the loss reported once');
    assert.deepEqual(
      watch.readiness(),
      { ok: false, detail: 'kafka broker unreachable for 2.5 s' },
      'readiness names the transport and how long',
    );
    state.kafka = true;
    now += 500;
    watch.check();
    watch.check();
    assert.deepEqual(recovered, [{ transport: 'kafka', from: 1_000, to: 4_000 }], 'one recovery');
    assert.deepEqual(watch.readiness(), { ok: true }, 'ready again');
  });
});
