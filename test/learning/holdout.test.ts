import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { holdoutSide } from '../../src/learning/holdout.js';

const policy = { blockMs: 1000, every: 5 };

describe('holdoutSide', () => {
  it('holds back every fifth time block, wholly', () => {
    assert.equal(holdoutSide(4100, 4900, policy), 'heldBack', 'inside block 4');
    assert.equal(holdoutSide(9000, 9999, policy), 'heldBack', 'inside block 9');
    assert.equal(holdoutSide(100, 900, policy), 'adapt', 'inside block 0');
    assert.equal(holdoutSide(1100, 2900, policy), 'adapt', 'across blocks 1 and 2');
  });

  it('gives a window that straddles a held block edge to neither side', () => {
    assert.equal(holdoutSide(3900, 4100, policy), 'boundary', 'into block 4');
    assert.equal(holdoutSide(4900, 5100, policy), 'boundary', 'out of block 4');
    assert.equal(holdoutSide(2500, 6500, policy), 'boundary', 'over block 4');
    assert.equal(holdoutSide(0, 20_000, policy), 'boundary', 'over many blocks');
  });

  it('holds nothing back with every 0 and everything with every 1', () => {
    assert.equal(holdoutSide(4100, 4900, { blockMs: 1000, every: 0 }), 'adapt');
    assert.equal(holdoutSide(100, 900, { blockMs: 1000, every: 1 }), 'heldBack');
  });
});
