/** One address word of a G-code line, such as `G1`, `X-0.125` or `Z0.`. */
export interface GcodeWord {
  /** The address letter, upper-cased. */
  letter: string;
  value: number;
  /** The word exactly as written, letter included (`z 0.`), for error messages and echoes. */
  raw: string;
}

export interface ParsedLine {
  /** The `N` word, which only numbers the line and so is kept out of `words`. */
  lineNumber?: number;
  words: GcodeWord[];
  /** Text of every `( )` and `;` comment on the line, joined by a space. */
  comment?: string;
  /** One entry per piece that could not be read, quoting it; the rest of the line still parses. */
  errors: string[];
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)$/;
const LETTER = /[A-Za-z]/;
const BLANK = /[ \t\r\n]/;
const NUMBER_CHAR = /[0-9.+-]/;

/**
 * Reads one line of G-code (RS274/NGC as g2core accepts it) into words. It never throws:
 * controllers and logs hand us truncated and corrupted lines, and one bad piece must not
 * hide the readable words around it, so each unreadable piece becomes an entry in `errors`.
 */
export function parseLine(text: string): ParsedLine {
  const words: GcodeWord[] = [];
  const comments: string[] = [];
  const errors: string[] = [];
  let lineNumber: number | undefined;
  let position = 0;

  while (position < text.length) {
    const char = text.charAt(position);
    const column = position + 1;
    if (BLANK.test(char)) {
      position += 1;
    } else if (char === ';') {
      comments.push(text.slice(position + 1).trim());
      position = text.length;
    } else if (char === '(') {
      const close = text.indexOf(')', position);
      if (close < 0) {
        comments.push(text.slice(position + 1).trim());
        errors.push(`unclosed comment "${text.slice(position)}" at column ${column}`);
        position = text.length;
      } else {
        comments.push(text.slice(position + 1, close).trim());
        position = close + 1;
      }
    } else if (char === '%' && text.slice(0, position).trim() === '') {
      // A program delimiter: marks where a program file starts or ends, carries no command.
      position += 1;
    } else if (LETTER.test(char)) {
      const end = endOfWord(text, position + 1);
      const raw = text.slice(position, end).trim();
      const numberText = raw.slice(1).trim();
      position = end;
      if (!NUMBER.test(numberText)) {
        errors.push(
          `malformed word "${raw}" at column ${column}; ` +
            'a letter must be followed by a number such as 1, -0.5 or 2.',
        );
      } else if (char.toUpperCase() === 'N') {
        const error = lineNumberError(raw, column, numberText, words.length, lineNumber);
        if (error === undefined) lineNumber = Number(numberText);
        else errors.push(error);
      } else {
        words.push({ letter: char.toUpperCase(), value: Number(numberText), raw });
      }
    } else {
      const end = endOfGarbage(text, position);
      errors.push(
        `unexpected "${text.slice(position, end)}" at column ${column}; ` +
          'expected a letter with a number, a comment or a leading "%"',
      );
      position = end;
    }
  }

  const parsed: ParsedLine = { words, errors };
  if (lineNumber !== undefined) parsed.lineNumber = lineNumber;
  if (comments.length > 0) parsed.comment = comments.join(' ');
  return parsed;
}

/** Index just past the number after a letter; blanks may stand between letter and number. */
function endOfWord(text: string, start: number): number {
  let position = start;
  while (position < text.length && BLANK.test(text.charAt(position))) position += 1;
  const numberStart = position;
  while (position < text.length && NUMBER_CHAR.test(text.charAt(position))) position += 1;
  // With no number at all, leave the blanks for the next piece so `X Y1` reports just `X`.
  return position === numberStart ? start : position;
}

function endOfGarbage(text: string, start: number): number {
  let position = start + 1;
  while (position < text.length && !/[ \t\r\nA-Za-z(;]/.test(text.charAt(position))) position += 1;
  return position;
}

function lineNumberError(
  raw: string,
  column: number,
  numberText: string,
  wordsBefore: number,
  previous: number | undefined,
): string | undefined {
  if (!/^\d+$/.test(numberText)) {
    return `line number "${raw}" at column ${column} must be a whole number without sign or decimals`;
  }
  if (previous !== undefined || wordsBefore > 0) {
    return `line number "${raw}" at column ${column} must be the first word and appear once`;
  }
  return undefined;
}
