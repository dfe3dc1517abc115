/** The kinds of token, in the order of the model's token-type head. */
export const TOKEN_TYPES = ['special', 'command', 'parameter', 'value'] as const;
export type TokenType = (typeof TOKEN_TYPES)[number];

/** Special tokens in id order: padding is id 0, so zero-filled batches read as padding. */
export const SPECIAL_TOKENS = ['pad', 'unknown', 'lineStart', 'lineEnd'] as const;
export type SpecialTokenName = (typeof SPECIAL_TOKENS)[number];

export interface SpecialToken {
  type: 'special';
  name: SpecialTokenName;
  /** For `unknown` made from input: the word it stands for, so the line can be written back. */
  raw?: string;
}

export interface CommandToken {
  type: 'command';
  /** Canonical command text: `G1`, `M30`, `G38.2`. */
  name: string;
}

export interface ParameterToken {
  type: 'parameter';
  /** The address letter: `X`, `F`, `R`. */
  name: string;
}

export interface ValueToken {
  type: 'value';
  /** Index into the vocabulary's value buckets, ordered from most negative to most positive. */
  bucket: number;
}

export type Token = SpecialToken | CommandToken | ParameterToken | ValueToken;

/** A readable form of a token for logs and error messages: `<lineStart>`, `G1`, `X`, `#57`. */
export function describeToken(token: Token): string {
  switch (token.type) {
    case 'special':
      return token.raw === undefined ? `<${token.name}>` : `<${token.name}:${token.raw}>`;
    case 'command':
    case 'parameter':
      return token.name;
    case 'value':
      return `#${token.bucket}`;
  }
}
