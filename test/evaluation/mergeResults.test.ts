import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isAdaptdError } from '../../src/errors.js';
import type { CellResult } from '../../src/evaluation/evaluateCell.js';
import {
  mergeResults,
  renameStrategy,
  type WrittenResults,
} from '../../src/evaluation/mergeResults.js';

function cell(strategy: string, seed: number, shots: number, test: number): CellResult {
  const base = { scenario: 'S1', check: 0, entropy: 0, trainableParameters: 1, seconds: 1 };
  return { ...base, strategy, seed, shots, test };
}

function part(seed: number, strategies: string[], oracle?: number): WrittenResults {
  return {
    command: `adaptd evaluate --first-seed ${seed}`,
    date: '2026-12-04T08:00:00.000Z',
    plan: { scenarios: ['S1'], strategies, seeds: [seed], shots: [0, 5] },
    cells: strategies.map((s) => cell(s, seed, 5, 0.5 + seed / 10)),
    references: [
      { scenario: 'S1', seed, sourceOnly: 0.36, sourceHeldOut: 1, ...(oracle ? { oracle } : {}) },
    ],
    skipped: strategies.map((strategy) => ({
      scenario: 'S1',
      strategy,
      shots: 0,
      reason: 'needs labelled target windows',
    })),
    sourceModels: { S1: 's1-seed1' },
  };
}

describe('mergeResults', () => {
  it('pools seeds and added strategies, one reference row per seed, skipped once', () => {
    const added = { ...part(1, ['gcode-multitask']), partial: true, references: [] };
    added.cells.push(cell('gcode-multitask', 1, 0, 0.4));
    const { results, commands, partial } = mergeResults([
      part(1, ['finetune-llrd'], 0.48),
      part(2, ['finetune-llrd'], 0.5),
      added,
    ]);
    assert.deepEqual(results.plan.seeds, [1, 2]);
    assert.deepEqual(results.plan.strategies, ['finetune-llrd', 'gcode-multitask']);
    assert.equal(results.cells.length, 4);
    assert.deepEqual(
      results.references.map((r) => [r.seed, r.oracle]),
      [
        [1, 0.48],
        [2, 0.5],
      ],
    );
    assert.deepEqual(
      results.skipped.map((s) => `${s.strategy}@${s.shots}`),
      ['finetune-llrd@0'],
      'a skip is kept once, and dropped where another part ran the cell',
    );
    assert.equal(commands.length, 3);
    assert.ok(partial, 'a partial part makes the merge partial');
  });

  it('keeps an earlier run of a strategy beside a re-run under another name', () => {
    const earlier = renameStrategy(part(1, ['gcode-self']), 'gcode-self', 'gcode-self (200 steps)');
    const { results } = mergeResults([earlier, { ...part(1, ['gcode-self']), references: [] }]);
    assert.deepEqual(results.plan.strategies, ['gcode-self (200 steps)', 'gcode-self']);
    assert.deepEqual(
      results.cells.map((c) => c.strategy),
      ['gcode-self (200 steps)', 'gcode-self'],
    );
  });

  it('refuses a cell run twice and a scenario with two source models', () => {
    assert.throws(
      () => mergeResults([part(1, ['prototypes']), part(1, ['prototypes'])]),
      (e) => isAdaptdError(e, 'CONFIG_INVALID'),
    );
    const other = { ...part(2, ['prototypes']), sourceModels: { S1: 'another' } };
    assert.throws(
      () => mergeResults([part(1, ['prototypes']), other]),
      (e) => isAdaptdError(e, 'CONFIG_INVALID'),
    );
  });
});
