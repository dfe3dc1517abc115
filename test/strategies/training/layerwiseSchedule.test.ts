import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isAdaptdError } from '../../../src/errors.js';
import {
  layerUnits,
  layerwiseRates,
  unfreezingSchedule,
} from '../../../src/strategies/training/layerwiseSchedule.js';
import { tinyConfig } from '../../support/tinyModel.js';

describe('layerUnits', () => {
  it('lists the encoder groups in forward order, adapters with their block, the head last', () => {
    assert.deepEqual(layerUnits(tinyConfig(), 'operation'), [
      ['input'],
      ['fusion'],
      ['block0', 'adapter.block0'],
      ['block1', 'adapter.block1'],
      ['recurrent'],
      ['pool'],
      ['head.operation'],
    ]);
  });
});

describe('layerwiseRates', () => {
  it('gives the head the base rate and each unit below decay times the one above', () => {
    const rates = layerwiseRates([['input'], ['block0', 'adapter.block0'], ['head.x']], 0.004, 0.5);
    assert.deepEqual(rates, {
      input: 0.001,
      block0: 0.002,
      'adapter.block0': 0.002,
      'head.x': 0.004,
    });
  });

  it('divides by 2.6 between neighbours with the ULMFiT decay', () => {
    const rates = layerwiseRates(layerUnits(tinyConfig(), 'operation'), 1e-3, 1 / 2.6);
    assert.equal(rates['head.operation'], 1e-3);
    assert.ok(Math.abs(rates.pool! - 1e-3 / 2.6) < 1e-15);
    assert.ok(Math.abs(rates.input! - 1e-3 / 2.6 ** 6) < 1e-15);
    assert.ok(Math.abs(rates.block1! / rates.block0! - 2.6) < 1e-12);
  });

  it('refuses a decay outside (0, 1] and a rate that is not positive', () => {
    assert.throws(
      () => layerwiseRates([['a']], 1e-3, 2.6),
      (e) => isAdaptdError(e, 'CONFIG_INVALID'),
    );
    assert.throws(
      () => layerwiseRates([['a']], 1e-3, 0),
      (e) => isAdaptdError(e, 'CONFIG_INVALID'),
    );
    assert.throws(
      () => layerwiseRates([['a']], 0, 0.5),
      (e) => isAdaptdError(e, 'CONFIG_INVALID'),
    );
  });
});

describe('unfreezingSchedule', () => {
  const units = [['input'], ['block0', 'adapter.block0'], ['pool'], ['head.x']];

  it('unfreezes top-down, one unit more per stage, over even shares of the steps', () => {
    assert.deepEqual(unfreezingSchedule(units, 8), [
      { start: 0, groups: ['head.x'] },
      { start: 2, groups: ['pool', 'head.x'] },
      { start: 4, groups: ['block0', 'adapter.block0', 'pool', 'head.x'] },
      { start: 6, groups: ['input', 'block0', 'adapter.block0', 'pool', 'head.x'] },
    ]);
  });

  it('leaves the lowest units frozen when there are fewer steps than units', () => {
    const stages = unfreezingSchedule(units, 2);
    assert.deepEqual(stages, [
      { start: 0, groups: ['head.x'] },
      { start: 1, groups: ['pool', 'head.x'] },
    ]);
  });

  it('refuses zero groups and zero steps', () => {
    assert.throws(
      () => unfreezingSchedule([], 10),
      (e) => isAdaptdError(e, 'CONFIG_INVALID'),
    );
    assert.throws(
      () => unfreezingSchedule(units, 0),
      (e) => isAdaptdError(e, 'CONFIG_INVALID'),
    );
  });
});
