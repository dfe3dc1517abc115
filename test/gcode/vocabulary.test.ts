import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isAdaptdError } from '../../src/errors.js';
import { GCODE_COMMANDS } from '../../src/gcode/gcodeCommands.js';
import type { Token } from '../../src/gcode/token.js';
import { DEFAULT_VOCABULARY, Vocabulary } from '../../src/gcode/vocabulary.js';

describe('Vocabulary', () => {
  const vocabulary = DEFAULT_VOCABULARY;

  it('lays out specials, commands, parameters and value buckets with padding at id 0', () => {
    const commands = Object.keys(GCODE_COMMANDS).length;
    assert.equal(vocabulary.size, 4 + commands + 18 + 181);
    assert.deepEqual(vocabulary.fromId(0), { type: 'special', name: 'pad' });
    assert.deepEqual(vocabulary.fromId(4), { type: 'command', name: 'G0' });
    assert.deepEqual(vocabulary.fromId(4 + commands), { type: 'parameter', name: 'X' });
    assert.deepEqual(vocabulary.fromId(4 + commands + 18), { type: 'value', bucket: 0 });
    assert.deepEqual(vocabulary.tokenTypes, ['special', 'command', 'parameter', 'value']);
    assert.equal(vocabulary.valueBuckets.length, 181);
  });

  it('maps every id to a token and back', () => {
    for (let id = 0; id < vocabulary.size; id += 1) {
      assert.equal(vocabulary.toId(vocabulary.fromId(id)), id);
    }
  });

  it('gives each token its class in the type head and in its own head', () => {
    assert.deepEqual(vocabulary.headLabel({ type: 'command', name: 'G3' }), { type: 1, index: 3 });
    assert.deepEqual(vocabulary.headLabel({ type: 'parameter', name: 'Z' }), { type: 2, index: 2 });
    assert.deepEqual(vocabulary.headLabel({ type: 'value', bucket: 90 }), { type: 3, index: 90 });
    assert.deepEqual(vocabulary.headLabel({ type: 'special', name: 'lineEnd' }), {
      type: 0,
      index: 3,
    });
  });

  it('ignores the source text of an unknown token', () => {
    const unknown: Token = { type: 'special', name: 'unknown', raw: 'E5' };
    assert.equal(vocabulary.toId(unknown), 1);
  });

  it('refuses tokens and ids outside the vocabulary', () => {
    const outside: Token[] = [
      { type: 'command', name: 'G999' },
      { type: 'parameter', name: 'E' },
      { type: 'value', bucket: 181 },
      { type: 'value', bucket: 1.5 },
    ];
    for (const token of outside) {
      assert.throws(
        () => vocabulary.toId(token),
        (error) => isAdaptdError(error, 'GCODE_INVALID'),
      );
    }
    assert.throws(() => vocabulary.fromId(vocabulary.size), /outside the vocabulary; ids run/);
    assert.throws(
      () => vocabulary.fromId(-1),
      (error) => isAdaptdError(error, 'GCODE_INVALID'),
    );
  });

  it('round-trips through JSON', () => {
    const json = JSON.parse(JSON.stringify(vocabulary)) as unknown;
    const loaded = Vocabulary.fromJSON(json);
    assert.deepEqual(loaded.toJSON(), vocabulary.toJSON());
    assert.equal(loaded.size, vocabulary.size);
    assert.deepEqual(loaded.valueBuckets, vocabulary.valueBuckets);
    const custom = Vocabulary.fromJSON({ ...vocabulary.toJSON(), commands: ['G1', 'G0'] });
    assert.deepEqual(custom.fromId(4), { type: 'command', name: 'G1' });
  });

  it('rejects a bad vocabulary and names what is wrong', () => {
    const good = vocabulary.toJSON();
    const bad: [string, unknown, RegExp][] = [
      ['not an object', 'G1 X', /\(root\)/],
      ['wrong format', { ...good, format: 'adaptd-gcode-vocabulary/2' }, /format/],
      [
        'reordered specials',
        { ...good, specials: ['unknown', 'pad', 'lineStart', 'lineEnd'] },
        /specials/,
      ],
      [
        'duplicate command',
        { ...good, commands: ['G1', 'G1'] },
        /commands: entries must be unique/,
      ],
      [
        'non-canonical command',
        { ...good, commands: ['G01'] },
        /commands.0: must be a command like G1/,
      ],
      ['N as parameter', { ...good, parameters: ['X', 'N'] }, /parameters.1/],
      ['empty parameters', { ...good, parameters: [] }, /parameters/],
      ['unknown key', { ...good, extra: true }, /extra|Unrecognized/],
      [
        'bucket exponent',
        { ...good, valueBuckets: { ...good.valueBuckets, maxExponent: 12 } },
        /maxExponent/,
      ],
      [
        'empty bucket range',
        { ...good, valueBuckets: { ...good.valueBuckets, maxExponent: -4 } },
        /bucket spec/,
      ],
    ];
    for (const [name, json, message] of bad) {
      assert.throws(
        () => Vocabulary.fromJSON(json),
        (error) => isAdaptdError(error, 'MODEL_INVALID') && message.test(error.message),
        name,
      );
    }
  });
});
