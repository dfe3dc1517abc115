import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SettleLedger } from '../../src/transports/settleLedger.js';

describe('SettleLedger', () => {
  it('releases only the settled run at the front, in arrival order', () => {
    const ledger = new SettleLedger<string>();
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((item) => ledger.add(item));
    assert.deepEqual(ledger.settle(c!), []);
    assert.deepEqual(ledger.settle(b!), []);
    assert.equal(ledger.size, 4);
    assert.deepEqual(ledger.settle(a!), ['a', 'b', 'c']);
    assert.equal(ledger.oldest(), 'd');
    assert.deepEqual(ledger.settle(d!), ['d']);
    assert.equal(ledger.size, 0);
  });

  it('ignores a second settle and unknown tickets', () => {
    const ledger = new SettleLedger<number>();
    const first = ledger.add(1);
    const second = ledger.add(2);
    assert.deepEqual(ledger.settle(first), [1]);
    assert.deepEqual(ledger.settle(first), []);
    assert.deepEqual(ledger.settle(99), []);
    assert.deepEqual(ledger.settle(-1), []);
    assert.deepEqual(ledger.settle(second), [2]);
  });

  it('forces the oldest out with the settled run behind it', () => {
    const ledger = new SettleLedger<number>();
    const tickets = [1, 2, 3].map((item) => ledger.add(item));
    ledger.settle(tickets[1]!);
    assert.deepEqual(ledger.forceOldest(), [1, 2]);
    assert.deepEqual(ledger.settle(tickets[0]!), [], 'the forced entry settles to nothing');
    assert.deepEqual(ledger.forceOldest(), [3]);
    assert.deepEqual(ledger.forceOldest(), []);
  });

  it('releases nothing once closed', () => {
    const ledger = new SettleLedger<number>();
    const tickets = [1, 2, 3].map((item) => ledger.add(item));
    ledger.settle(tickets[1]!);
    assert.equal(ledger.close(), 3);
    assert.equal(ledger.closed, true);
    assert.deepEqual(ledger.settle(tickets[0]!), []);
    assert.deepEqual(ledger.forceOldest(), []);
  });

  it('keeps tickets valid across compaction of a long stream', () => {
    const ledger = new SettleLedger<number>();
    const held = ledger.add(-1);
    const released: number[] = [];
    for (let i = 0; i < 5000; i += 1) {
      const ticket = ledger.add(i);
      released.push(...ledger.settle(ticket));
    }
    assert.equal(released.length, 0);
    assert.equal(ledger.settle(held).length, 5001);
    for (let i = 0; i < 5000; i += 1) released.push(...ledger.settle(ledger.add(i)));
    assert.equal(released.length, 5000);
    assert.equal(ledger.size, 0);
  });
});
