import { z } from 'zod';
import { AdaptdError } from '../errors.js';
import { GCODE_COMMANDS } from './gcodeCommands.js';
import { SPECIAL_TOKENS, TOKEN_TYPES, describeToken, type Token, type TokenType } from './token.js';
import { BUCKET_LIMITS, DEFAULT_VALUE_BUCKETS, SignedLogBuckets } from './valueBuckets.js';

export const VOCABULARY_FORMAT = 'adaptd-gcode-vocabulary/1';

/** The parameter letters of milling programs; N is the line number, which is not tokenised. */
export const DEFAULT_PARAMETERS = [
  ...['X', 'Y', 'Z', 'A', 'B', 'C', 'I', 'J', 'K', 'R'],
  ...['F', 'S', 'T', 'P', 'Q', 'L', 'H', 'D'],
];

const uniqueList = (item: z.ZodString) =>
  z
    .array(item)
    .min(1)
    .refine((list) => new Set(list).size === list.length, 'entries must be unique');

const vocabularySchema = z.strictObject({
  format: z.literal(VOCABULARY_FORMAT),
  specials: z.tuple([
    z.literal(SPECIAL_TOKENS[0]),
    z.literal(SPECIAL_TOKENS[1]),
    z.literal(SPECIAL_TOKENS[2]),
    z.literal(SPECIAL_TOKENS[3]),
  ]),
  commands: uniqueList(
    z
      .string()
      .regex(
        /^[GM](0|[1-9]\d*)(\.\d*[1-9])?$/,
        'must be a command like G1 or G38.2, without leading zeros',
      ),
  ),
  parameters: uniqueList(
    z.string().regex(/^[A-FH-LO-Z]$/, 'must be one letter other than G, M and N'),
  ),
  valueBuckets: z.strictObject({
    scheme: z.literal('signedLog'),
    minExponent: z.number().int().min(BUCKET_LIMITS.minExponent),
    maxExponent: z.number().int().max(BUCKET_LIMITS.maxExponent),
    bucketsPerDecade: z.number().int().min(1).max(BUCKET_LIMITS.maxBucketsPerDecade),
  }),
});

export type VocabularyJSON = z.infer<typeof vocabularySchema>;

/** Where a token sits in the model's heads: its type class, and its class within that type. */
export interface HeadLabel {
  type: number;
  index: number;
}

/**
 * Token ids for the model's G-code embedding and heads. Ids run specials, commands,
 * parameters, then value buckets, so id 0 is padding. Saved with the model, because the ids
 * mean nothing without the exact lists they were made from.
 */
export class Vocabulary {
  readonly size: number;
  readonly tokenTypes: readonly TokenType[] = TOKEN_TYPES;
  readonly commands: readonly string[];
  readonly parameters: readonly string[];
  readonly buckets: SignedLogBuckets;
  private readonly commandIndex: ReadonlyMap<string, number>;
  private readonly parameterIndex: ReadonlyMap<string, number>;

  private constructor(json: VocabularyJSON) {
    this.commands = [...json.commands];
    this.parameters = [...json.parameters];
    this.buckets = new SignedLogBuckets(json.valueBuckets);
    this.commandIndex = new Map(this.commands.map((name, index) => [name, index]));
    this.parameterIndex = new Map(this.parameters.map((name, index) => [name, index]));
    this.size =
      SPECIAL_TOKENS.length + this.commands.length + this.parameters.length + this.buckets.size;
  }

  /** Every command adaptd knows, the milling parameter letters and DEFAULT_VALUE_BUCKETS. */
  static createDefault(): Vocabulary {
    return new Vocabulary({
      format: VOCABULARY_FORMAT,
      specials: [...SPECIAL_TOKENS],
      commands: Object.keys(GCODE_COMMANDS),
      parameters: DEFAULT_PARAMETERS,
      valueBuckets: DEFAULT_VALUE_BUCKETS,
    });
  }

  /** Reads a saved vocabulary, rejecting anything that is not exactly a valid one. */
  static fromJSON(json: unknown): Vocabulary {
    const result = vocabularySchema.safeParse(json);
    if (!result.success) {
      const issues = result.error.issues.map(
        (i) => `${i.path.join('.') || '(root)'}: ${i.message}`,
      );
      throw new AdaptdError('MODEL_INVALID', `G-code vocabulary is invalid: ${issues.join('; ')}`, {
        context: { issues },
      });
    }
    return new Vocabulary(result.data);
  }

  toJSON(): VocabularyJSON {
    return {
      format: VOCABULARY_FORMAT,
      specials: [...SPECIAL_TOKENS],
      commands: [...this.commands],
      parameters: [...this.parameters],
      valueBuckets: { ...this.buckets.spec },
    };
  }

  /** Labels of the value head: each bucket's centre as G-code would write it. */
  get valueBuckets(): readonly string[] {
    return this.buckets.labels;
  }

  hasCommand(name: string): boolean {
    return this.commandIndex.has(name);
  }

  hasParameter(letter: string): boolean {
    return this.parameterIndex.has(letter);
  }

  /** The token's class in the type head and in the head for its type. */
  headLabel(token: Token): HeadLabel {
    const type = TOKEN_TYPES.indexOf(token.type);
    switch (token.type) {
      case 'special':
        return { type, index: SPECIAL_TOKENS.indexOf(token.name) };
      case 'command':
        return { type, index: this.lookup(this.commandIndex, token) };
      case 'parameter':
        return { type, index: this.lookup(this.parameterIndex, token) };
      case 'value':
        if (
          Number.isInteger(token.bucket) &&
          token.bucket >= 0 &&
          token.bucket < this.buckets.size
        ) {
          return { type, index: token.bucket };
        }
        throw this.notInVocabulary(token);
    }
  }

  toId(token: Token): number {
    const { type, index } = this.headLabel(token);
    const offsets = [
      0,
      SPECIAL_TOKENS.length,
      SPECIAL_TOKENS.length + this.commands.length,
      SPECIAL_TOKENS.length + this.commands.length + this.parameters.length,
    ];
    return (offsets[type] ?? 0) + index;
  }

  fromId(id: number): Token {
    if (!Number.isInteger(id) || id < 0 || id >= this.size) {
      throw new AdaptdError(
        'GCODE_INVALID',
        `token id ${id} is outside the vocabulary; ids run from 0 to ${this.size - 1}`,
        { context: { id, size: this.size } },
      );
    }
    let rest = id;
    const special = SPECIAL_TOKENS[rest];
    if (special !== undefined) return { type: 'special', name: special };
    rest -= SPECIAL_TOKENS.length;
    const command = this.commands[rest];
    if (command !== undefined) return { type: 'command', name: command };
    rest -= this.commands.length;
    const parameter = this.parameters[rest];
    if (parameter !== undefined) return { type: 'parameter', name: parameter };
    return { type: 'value', bucket: rest - this.parameters.length };
  }

  private lookup(index: ReadonlyMap<string, number>, token: Token & { name: string }): number {
    const found = index.get(token.name);
    if (found === undefined) throw this.notInVocabulary(token);
    return found;
  }

  private notInVocabulary(token: Token): AdaptdError {
    return new AdaptdError(
      'GCODE_INVALID',
      `token ${describeToken(token)} is not in the vocabulary; ` +
        'the tokenizer writes input outside it as <unknown>',
      { context: { token } },
    );
  }
}

/** The vocabulary new models are built with; a loaded model brings its own. */
export const DEFAULT_VOCABULARY: Vocabulary = Vocabulary.createDefault();
