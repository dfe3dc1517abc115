import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isAdaptdError } from '../../src/errors.js';
import { findStrategy, strategyNames } from '../../src/strategies/registry.js';

describe('strategy registry', () => {
  it('finds every registered strategy by its own name, each name once', () => {
    const names = strategyNames();
    assert.equal(new Set(names).size, names.length);
    for (const name of names) assert.equal(findStrategy(name).name, name);
    for (const name of ['linear-probe', 'mlp-probe', 'finetune-llrd', 'finetune-gradual']) {
      assert.ok(names.includes(name), name);
    }
    for (const name of ['prototypes', 'adapters', 'gcode-self', 'source-only']) {
      assert.ok(names.includes(name), name);
    }
  });

  it('names the known strategies when asked for an unknown one', () => {
    assert.throws(
      () => findStrategy('magic'),
      (e) => isAdaptdError(e, 'CONFIG_INVALID') && e.message.includes('linear-probe'),
    );
  });
});
