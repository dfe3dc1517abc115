import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isAdaptdError } from '../../src/errors.js';
import { parseLine } from '../../src/gcode/gcodeParser.js';
import { describeToken, type Token } from '../../src/gcode/token.js';
import { detokenize, tokenize, tokenizeLine } from '../../src/gcode/tokenizer.js';
import { DEFAULT_VOCABULARY, Vocabulary } from '../../src/gcode/vocabulary.js';

const show = (text: string) => tokenize(parseLine(text)).map(describeToken).join(' ');
const bucket = (value: number) => DEFAULT_VOCABULARY.buckets.assign(value).index;

/** Tokens of a line, written back and tokenised again. */
function roundTrip(tokens: Token[]): Token[] {
  return tokenize(parseLine(detokenize(tokens)));
}

describe('tokenize', () => {
  it('writes commands whole and parameters as letter then value bucket', () => {
    assert.equal(
      show('G1 Z0.025 F7.3'),
      `<lineStart> G1 Z #${bucket(0.025)} F #${bucket(7.3)} <lineEnd>`,
    );
    assert.equal(show('X3.291 Z0.'), `<lineStart> X #${bucket(3.291)} Z #90 <lineEnd>`);
    assert.equal(show('G02 X1 Y1 R.5'), show('G2 X1 Y1 R0.5'));
  });

  it('leaves out line numbers, comments and program delimiters', () => {
    assert.equal(show('N120 G0 Z0.6 (retract) ; to clearance'), show('G0 Z0.6'));
    assert.equal(show('%'), '<lineStart> <lineEnd>');
  });

  it('writes unknown commands and letters as <unknown> with an error, never a near match', () => {
    const { tokens, errors } = tokenizeLine(parseLine('G1 X1 E5 G5.1 M100'));
    assert.deepEqual(
      tokens.filter((token) => token.type === 'special' && token.name === 'unknown'),
      [
        { type: 'special', name: 'unknown', raw: 'E5' },
        { type: 'special', name: 'unknown', raw: 'G5.1' },
        { type: 'special', name: 'unknown', raw: 'M100' },
      ],
    );
    assert.equal(tokens.length, 2 + 1 + 2 + 3);
    assert.equal(errors.length, 3);
    assert.match(errors[0] ?? '', /unknown parameter letter E in "E5"; the vocabulary knows X Y Z/);
    assert.match(errors[1] ?? '', /unknown command "G5.1"; the vocabulary knows G0 G1/);
  });

  it('reports a value clamped into the outermost bucket', () => {
    const { tokens, errors } = tokenizeLine(parseLine('S250000'));
    assert.deepEqual(tokens[2], { type: 'value', bucket: 180 });
    assert.match(errors[0] ?? '', /"S250000" is beyond the largest value bucket; written as 89100/);
  });

  it('uses the vocabulary it is given', () => {
    const small = Vocabulary.fromJSON({
      ...DEFAULT_VOCABULARY.toJSON(),
      commands: ['G0', 'G1'],
      parameters: ['X'],
    });
    const { tokens, errors } = tokenizeLine(parseLine('G2 X1 Y1'), small);
    assert.deepEqual(
      tokens.map((token) => small.toId(token)),
      [2, 1, 6, 7 + bucket(1), 1, 3],
    );
    assert.equal(errors.length, 2);
  });
});

describe('detokenize', () => {
  it('writes values at bucket centres and one line per line end', () => {
    const tokens = [...tokenize(parseLine('G1 X3.3 F40.')), ...tokenize(parseLine('M30'))];
    assert.equal(detokenize(tokens), 'G1 X3.55 F44.7\nM30');
  });

  it('skips padding and writes unknown input back as it came, or as a comment', () => {
    const pad: Token = { type: 'special', name: 'pad' };
    const tokens = [...tokenize(parseLine('G1 e5 x0')), pad, pad];
    assert.equal(detokenize(tokens), 'G1 e5 X0');
    assert.equal(detokenize([{ type: 'special', name: 'unknown' }]), '(unknown)');
  });

  it('refuses a parameter without a value and a value without a parameter', () => {
    const x: Token = { type: 'parameter', name: 'X' };
    const value: Token = { type: 'value', bucket: 100 };
    assert.throws(() => detokenize([x]), /token X at position 0 is not followed by a value/);
    assert.throws(() => detokenize([x, x, value]), /is not followed by a value/);
    assert.throws(
      () => detokenize([value]),
      (error) => isAdaptdError(error, 'GCODE_INVALID') && /#100 at position 0/.test(error.message),
    );
    assert.throws(() => detokenize([x, { type: 'value', bucket: 999 }]), /bucket 999 does not/);
  });
});

describe('tokenizer round trip', () => {
  it('gives back the same tokens for synthetic lines', () => {
    const lines = [
      'G0 X3.3121 Y0.0427',
      'X3.2871 Z0.',
      'G2 X-0.2084 Y0.1257 R0.083',
      'G3 X1 Y-1 I-0.5 J0.25 K0',
      'N10 G20 G90 G17 (setup)',
      'G21 G91 G1 X-25.4 F1000',
      'M3 S12000 T2 M6',
      'G53 G0 Z0.',
      'G38.2 Z-1 F5 ; probe',
      'M30',
      '%',
      '',
      'garbage #1 @@',
      'G1 X1 E5 Q2 G999',
      'S250000 X-0.00001 Y0.0001 Z-99999',
    ];
    for (const line of lines) {
      const tokens = tokenize(parseLine(line));
      assert.deepEqual(roundTrip(tokens), tokens, line);
    }
  });

  it('gives back the same tokens for every command, letter and bucket of the vocabulary', () => {
    const vocabulary = DEFAULT_VOCABULARY;
    for (let id = 0; id < vocabulary.size; id += 1) {
      const token = vocabulary.fromId(id);
      let line: Token[];
      if (token.type === 'command') line = [token];
      else if (token.type === 'parameter') line = [token, { type: 'value', bucket: 100 }];
      else if (token.type === 'value') line = [{ type: 'parameter', name: 'X' }, token];
      else continue;
      const tokens: Token[] = [
        { type: 'special', name: 'lineStart' },
        ...line,
        { type: 'special', name: 'lineEnd' },
      ];
      assert.deepEqual(roundTrip(tokens), tokens, describeToken(token));
    }
  });
});
