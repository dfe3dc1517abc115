import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseLine } from '../../src/gcode/gcodeParser.js';

const letters = (text: string) => parseLine(text).words.map((w) => `${w.letter}${w.value}`);

describe('parseLine', () => {
  it('reads modal lines, trailing dots and leading dots', () => {
    const parsed = parseLine('X3.291 Z0.');
    assert.deepEqual(parsed, {
      words: [
        { letter: 'X', value: 3.291, raw: 'X3.291' },
        { letter: 'Z', value: 0, raw: 'Z0.' },
      ],
      errors: [],
    });
    assert.deepEqual(letters('G1 X-.5 Y+2 F40.'), ['G1', 'X-0.5', 'Y2', 'F40']);
  });

  it('reads arcs with R and with IJK, and leading zeros in commands', () => {
    assert.deepEqual(letters('G02 X-0.2084 Y0.1257 R0.083'), [
      'G2',
      'X-0.2084',
      'Y0.1257',
      'R0.083',
    ]);
    assert.deepEqual(letters('G3 X1 Y0 I-0.5 J0 K0'), ['G3', 'X1', 'Y0', 'I-0.5', 'J0', 'K0']);
  });

  it('keeps the line number apart from the words', () => {
    const parsed = parseLine('N120 G0 Z0.6');
    assert.equal(parsed.lineNumber, 120);
    assert.deepEqual(letters('N120 G0 Z0.6'), ['G0', 'Z0.6']);
  });

  it('rejects a line number that is not first, repeated or not whole', () => {
    assert.match(parseLine('G1 N5 X1').errors[0] ?? '', /line number "N5" .* first word/);
    assert.match(parseLine('N5 N6').errors[0] ?? '', /"N6".*appear once/);
    const decimal = parseLine('N1.5 X1');
    assert.equal(decimal.lineNumber, undefined);
    assert.match(decimal.errors[0] ?? '', /"N1.5".*whole number/);
    assert.deepEqual(letters('N1.5 X1'), ['X1']);
  });

  it('collects parenthesised and semicolon comments', () => {
    const parsed = parseLine('G1 (feed in) X1 ( second ) ; rest of line (kept)');
    assert.deepEqual(letters('G1 (feed in) X1 ( second ) ; rest'), ['G1', 'X1']);
    assert.equal(parsed.comment, 'feed in second rest of line (kept)');
    assert.deepEqual(parsed.errors, []);
    assert.equal(parseLine('(only a comment)').words.length, 0);
    assert.equal(parseLine('()').comment, '');
  });

  it('reports an unclosed comment but keeps the words before it', () => {
    const parsed = parseLine('G0 X1 (no end');
    assert.deepEqual(letters('G0 X1 (no end'), ['G0', 'X1']);
    assert.equal(parsed.comment, 'no end');
    assert.match(parsed.errors[0] ?? '', /unclosed comment "\(no end" at column 7/);
  });

  it('accepts a program delimiter at the start only', () => {
    assert.deepEqual(parseLine('%'), { words: [], errors: [] });
    assert.deepEqual(parseLine('  % (start)').errors, []);
    assert.match(parseLine('G1 %').errors[0] ?? '', /unexpected "%" at column 4/);
  });

  it('reads spindle, program and units words, blanks inside words and lower case', () => {
    assert.deepEqual(letters('M3 S12000 T2 M6'), ['M3', 'S12000', 'T2', 'M6']);
    assert.deepEqual(letters('G20 G90 G17 M30'), ['G20', 'G90', 'G17', 'M30']);
    assert.deepEqual(letters('g1x 1.5 y2'), ['G1', 'X1.5', 'Y2']);
    assert.equal(parseLine('x 1.5').words[0]?.raw, 'x 1.5');
    assert.deepEqual(letters('G38.2 Z-1'), ['G38.2', 'Z-1']);
  });

  it('never throws on garbage and quotes each bad piece', () => {
    const parsed = parseLine('G1 X1.2.3 #5=2 Y @@ 12 Z-1');
    assert.deepEqual(letters('G1 X1.2.3 #5=2 Y @@ 12 Z-1'), ['G1', 'Z-1']);
    assert.equal(parsed.errors.length, 5);
    assert.match(parsed.errors[0] ?? '', /malformed word "X1.2.3" at column 4/);
    assert.match(parsed.errors[1] ?? '', /unexpected "#5=2" at column 11/);
    assert.match(parsed.errors[2] ?? '', /malformed word "Y" at column 16/);
    assert.match(parsed.errors[3] ?? '', /unexpected "@@"/);
    assert.match(parsed.errors[4] ?? '', /unexpected "12"/);
    for (const junk of ['', '   ', '\u0000\u00ff', 'X', 'X-', 'G', '))((', ';', '1e5', '*47']) {
      assert.doesNotThrow(() => parseLine(junk), `parseLine(${JSON.stringify(junk)})`);
    }
  });

  it('reads exponent-looking text as separate words, as controllers do', () => {
    // G-code has no exponent notation: E is an address letter of its own.
    assert.deepEqual(letters('S1E5'), ['S1', 'E5']);
  });
});
