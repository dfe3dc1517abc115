import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isAdaptdError } from '../../src/errors.js';
import { PrototypeBank } from '../../src/learning/prototypeBank.js';
import { TINY_HEADS } from '../support/tinyBundle.js';

const scale = { mean: [10, 0], std: [2, 1] };

describe('PrototypeBank', () => {
  it('keeps one running prototype per class of each head on standardised embeddings', () => {
    const bank = new PrototypeBank(TINY_HEADS, 2, scale);
    bank.add('tool', 0, [10, 0]);
    bank.add('tool', 0, [12, 0]);
    bank.add('tool', 1, [10, 4]);
    bank.add('nohead', 0, [0, 0]);
    bank.add('tool', -1, [0, 0]);
    const supports = bank.supports().filter((s) => s.head === 'tool');
    assert.deepEqual(
      supports.map((s) => [s.className, s.count]),
      [
        ['healthy', 2],
        ['damaged', 1],
      ],
      'supports per class; unknown heads and labels ignored',
    );
    const p = bank.predict('tool', [11, 0.2])!;
    assert.ok(p[0]! > 0.9, `near the healthy prototype: ${p[0]}`);
    assert.equal(bank.predict('operation', [0, 0]), undefined, 'no support yet');
  });

  it('saves and restores its prototypes and refuses other units', () => {
    const bank = new PrototypeBank(TINY_HEADS, 2, scale);
    bank.add('operation', 2, [8, 1]);
    bank.add('motion', 3, [9, -1]);
    const saved = JSON.parse(JSON.stringify(bank.toJSON())) as unknown;
    const copy = new PrototypeBank(TINY_HEADS, 2, scale);
    copy.restore(saved);
    assert.deepEqual(copy.toJSON(), bank.toJSON(), 'same prototypes');
    assert.deepEqual(copy.predict('motion', [0, 0]), bank.predict('motion', [0, 0]), 'same answer');
    assert.throws(
      () => new PrototypeBank(TINY_HEADS, 3).restore(saved),
      (error: unknown) => isAdaptdError(error) && error.code === 'STATE_CORRUPT',
      'saved for 2 units',
    );
    copy.reset();
    assert.ok(
      copy.supports().every((s) => s.count === 0),
      'reset forgets every support',
    );
  });
});
