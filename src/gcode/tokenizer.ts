import { AdaptdError } from '../errors.js';
import { commandKey, isCommandWord } from './gcodeCommands.js';
import type { GcodeWord, ParsedLine } from './gcodeParser.js';
import { describeToken, type Token } from './token.js';
import { DEFAULT_VOCABULARY, type Vocabulary } from './vocabulary.js';

export interface TokenizedLine {
  tokens: Token[];
  /** One entry per word written as `<unknown>` or per value clamped into the outermost bucket. */
  errors: string[];
}

/** How an `<unknown>` without source text is written: a comment, which reads back as nothing. */
const UNKNOWN_TEXT = '(unknown)';

/**
 * Turns a parsed line into `<lineStart>`, then per word a command token (G1, M30) or a
 * parameter token followed by its value bucket, then `<lineEnd>`. The line number and comments
 * are left out: they name and explain a line but do not change what the machine does. Words
 * outside the vocabulary become one `<unknown>` token each and an error, never a near match.
 */
export function tokenizeLine(
  parsed: ParsedLine,
  vocabulary: Vocabulary = DEFAULT_VOCABULARY,
): TokenizedLine {
  const tokens: Token[] = [{ type: 'special', name: 'lineStart' }];
  const errors: string[] = [];
  for (const word of parsed.words) {
    if (isCommandWord(word)) {
      const name = commandKey(word);
      if (vocabulary.hasCommand(name)) {
        tokens.push({ type: 'command', name });
      } else {
        tokens.push(unknownToken(word));
        errors.push(
          `unknown command "${word.raw}"; the vocabulary knows ${summary(vocabulary.commands)}`,
        );
      }
    } else if (!vocabulary.hasParameter(word.letter)) {
      tokens.push(unknownToken(word));
      errors.push(
        `unknown parameter letter ${word.letter} in "${word.raw}"; ` +
          `the vocabulary knows ${vocabulary.parameters.join(' ')}`,
      );
    } else {
      const { index, clamped } = vocabulary.buckets.assign(word.value);
      if (clamped) {
        errors.push(
          `value of "${word.raw}" is beyond the largest value bucket; ` +
            `written as ${vocabulary.valueBuckets[index]}`,
        );
      }
      tokens.push({ type: 'parameter', name: word.letter }, { type: 'value', bucket: index });
    }
  }
  tokens.push({ type: 'special', name: 'lineEnd' });
  return { tokens, errors };
}

/** The tokens of a parsed line; `tokenizeLine` also says which words could not be tokenised. */
export function tokenize(parsed: ParsedLine, vocabulary: Vocabulary = DEFAULT_VOCABULARY): Token[] {
  return tokenizeLine(parsed, vocabulary).tokens;
}

/**
 * Writes tokens back as G-code, one line per `<lineEnd>`, with each value at its bucket's
 * centre; padding is skipped. Parsing and tokenising the text gives the same tokens again.
 * A parameter without a following value, or a value without a parameter, cannot be written
 * and throws GCODE_INVALID.
 */
export function detokenize(
  tokens: readonly Token[],
  vocabulary: Vocabulary = DEFAULT_VOCABULARY,
): string {
  const lines: string[] = [];
  let words: string[] = [];
  let open = false;
  for (let position = 0; position < tokens.length; position += 1) {
    const token = tokens[position] as Token;
    switch (token.type) {
      case 'special':
        if (token.name === 'unknown') {
          words.push(token.raw ?? UNKNOWN_TEXT);
          open = true;
        } else if (token.name === 'lineEnd' || (token.name === 'lineStart' && open)) {
          lines.push(words.join(' '));
          words = [];
          open = false;
        }
        break;
      case 'command':
        words.push(token.name);
        open = true;
        break;
      case 'parameter': {
        const next = tokens[position + 1];
        if (next?.type !== 'value') throw unwritable(token, position, 'is not followed by a value');
        vocabulary.buckets.centre(next.bucket); // throws for a bucket outside the vocabulary
        words.push(`${token.name}${vocabulary.valueBuckets[next.bucket]}`);
        open = true;
        position += 1;
        break;
      }
      case 'value':
        throw unwritable(token, position, 'does not follow a parameter');
    }
  }
  if (open) lines.push(words.join(' '));
  return lines.join('\n');
}

function unknownToken(word: GcodeWord): Token {
  return { type: 'special', name: 'unknown', raw: word.raw };
}

function summary(list: readonly string[]): string {
  return list.length <= 12 ? list.join(' ') : `${list.slice(0, 12).join(' ')} ... (${list.length})`;
}

function unwritable(token: Token, position: number, problem: string): AdaptdError {
  return new AdaptdError(
    'GCODE_INVALID',
    `token ${describeToken(token)} at position ${position} ${problem}; write a parameter then its value`,
    { context: { position, token } },
  );
}
