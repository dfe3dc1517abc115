/**
 * A deterministic stream of valid sensor and G-code traffic with hostile messages interleaved,
 * each hostile one labelled with what the daemon must make of it: a reject with its reason
 * (counted and dead-lettered), or a row outcome of the windower (a duplicate, a late row, a row
 * with no known channel), which changes no window. Used by the fuzz tests and bench/daemon/fuzz.
 */
import type { RejectReason } from '../../src/transports/messages/rejectReason.js';
import { seededRandom } from '../../src/util/random.js';
import type { RowOutcome } from '../../src/windows/streamWindower.js';

export type FuzzStream = 'sensors' | 'gcode';

export type Expectation =
  | { readonly kind: 'valid' }
  | { readonly kind: 'reject'; readonly reason: RejectReason }
  | { readonly kind: 'row'; readonly outcome: Exclude<RowOutcome, 'accepted'> };

export interface FuzzMessage {
  readonly stream: FuzzStream;
  readonly payload: string | Buffer;
  /** A short name of what was done to the message, for counting by kind. */
  readonly kind: string;
  readonly expect: Expectation;
}

export interface FuzzOptions {
  /** Valid sensor rows, one message each, ROW_MS apart from `base`. */
  readonly rows: number;
  /** Hostile messages in all, spread evenly between the valid ones. */
  readonly hostile: number;
  /** Time of row 0, in ms since the epoch. */
  readonly base: number;
  /** The receiving clock, for timestamps that must lie too far ahead. */
  readonly now: number;
  /** messages.maxBytes of the daemon under test. */
  readonly maxBytes: number;
  /** A valid G-code line every this many rows. */
  readonly gcodeEvery?: number;
  readonly seed?: number;
  /** The channel values of row i, as the model's fixtures have them. */
  readonly values: (i: number) => Record<string, number | null>;
}

export const ROW_MS = 250;

const reject = (reason: RejectReason): Expectation => ({ kind: 'reject', reason });
const row = (outcome: Exclude<RowOutcome, 'accepted'>): Expectation => ({ kind: 'row', outcome });

/** Generators of one hostile message each, given the last valid row sent and a random source. */
type Maker = (context: {
  last: number;
  ts: (i: number) => number;
  values: (i: number) => Record<string, number | null>;
  random: () => number;
  now: number;
  maxBytes: number;
}) => Omit<FuzzMessage, 'kind'>;

const garbage = (random: () => number, length: number, from = 32, span = 95) =>
  Array.from({ length }, () => String.fromCharCode(from + Math.floor(random() * span))).join('');

const MAKERS: Record<string, Maker> = {
  truncatedJson: ({ last, ts, values, random }) => {
    const text = JSON.stringify({ ts: ts(last) + 1, values: values(last) });
    return {
      stream: 'sensors',
      payload: text.slice(0, 1 + Math.floor(random() * (text.length - 2))),
      expect: reject('json'),
    };
  },
  randomText: ({ random }) => ({
    stream: random() < 0.5 ? 'sensors' : 'gcode',
    payload: `~${garbage(random, 1 + Math.floor(random() * 200))}`,
    expect: reject('json'),
  }),
  emptyPayload: () => ({ stream: 'sensors', payload: '', expect: reject('json') }),
  nanLiteral: ({ last, ts }) => ({
    stream: 'sensors',
    payload: `{"ts": ${ts(last) + 3}, "values": {"spindle": NaN}}`,
    expect: reject('json'),
  }),
  infinityLiteral: ({ last, ts }) => ({
    stream: 'sensors',
    payload: `{"ts": ${ts(last) + 3}, "values": {"spindle": Infinity}}`,
    expect: reject('json'),
  }),
  overflowValue: ({ last, ts, random }) => ({
    stream: 'sensors',
    payload: `{"ts": ${ts(last) + 5}, "values": {"spindle": ${random() < 0.5 ? '' : '-'}1e999}}`,
    expect: reject('non_finite'),
  }),
  overflowTime: () => ({
    stream: 'sensors',
    payload: '{"ts": 1e999, "values": {"spindle": 1}}',
    expect: reject('non_finite'),
  }),
  overflowInBatch: ({ last, ts }) => ({
    stream: 'sensors',
    payload: `{"samples": [{"ts": ${ts(last) + 7}, "values": {"x_motor": 2e400}}]}`,
    expect: reject('non_finite'),
  }),
  invalidUtf8: ({ random }) => ({
    stream: random() < 0.5 ? 'sensors' : 'gcode',
    payload: Buffer.from([0x7b, 0xff, 0xfe, Math.floor(random() * 256), 0xc3, 0x28, 0x7d]),
    expect: reject('encoding'),
  }),
  wrongValueType: ({ last, ts }) => ({
    stream: 'sensors',
    payload: JSON.stringify({ ts: ts(last) + 9, values: { spindle: 'high' } }),
    expect: reject('schema'),
  }),
  wrongTimeType: ({ last, ts }) => ({
    stream: 'sensors',
    payload: JSON.stringify({ ts: String(ts(last) + 9), values: { spindle: 1 } }),
    expect: reject('schema'),
  }),
  valuesArray: ({ last, ts }) => ({
    stream: 'sensors',
    payload: JSON.stringify({ ts: ts(last) + 9, values: [1, 2, 3] }),
    expect: reject('schema'),
  }),
  missingValues: ({ last, ts }) => ({
    stream: 'sensors',
    payload: JSON.stringify({ ts: ts(last) + 9 }),
    expect: reject('schema'),
  }),
  extraKey: ({ last, ts, values }) => ({
    stream: 'sensors',
    payload: JSON.stringify({ ts: ts(last) + 9, values: values(last), admin: true }),
    expect: reject('schema'),
  }),
  badChannelName: ({ last, ts, random }) => ({
    stream: 'sensors',
    payload: JSON.stringify({
      ts: ts(last) + 9,
      values: {
        [['1abc', '', 'a b', 'x'.repeat(200), 'constructor'][Math.floor(random() * 5)]!]: 1,
      },
    }),
    expect: reject('schema'),
  }),
  prototypePollution: ({ last, ts }) => ({
    stream: 'sensors',
    payload: `{"ts": ${ts(last) + 11}, "values": {"spindle": 1}, "__proto__": {"polluted": true}}`,
    expect: reject('schema'),
  }),
  nestedPollution: ({ last, ts }) => ({
    stream: 'sensors',
    payload: `{"ts": ${ts(last) + 11}, "values": {"__proto__": {"polluted": 1}}}`,
    expect: reject('schema'),
  }),
  emptyBatch: () => ({ stream: 'sensors', payload: '{"samples": []}', expect: reject('schema') }),
  scalarJson: ({ random }) => ({
    stream: random() < 0.5 ? 'sensors' : 'gcode',
    payload: ['null', '42', '"text"', 'true', '[]', '{}'][Math.floor(random() * 6)]!,
    expect: reject('schema'),
  }),
  tooLarge: ({ last, ts, values, maxBytes, random }) => {
    const head = JSON.stringify({ ts: ts(last) + 13, values: values(last) });
    const pad = ' '.repeat(maxBytes + 1 + Math.floor(random() * 2048) - head.length);
    return { stream: 'sensors', payload: `${head}${pad}`, expect: reject('too_large') };
  },
  before2000: ({ random }) => ({
    stream: 'sensors',
    payload: JSON.stringify({ ts: Math.floor(random() * 946_684_799_999), values: { spindle: 1 } }),
    expect: reject('timestamp'),
  }),
  farFuture: ({ now, random }) =>
    random() < 0.5
      ? {
          stream: 'sensors',
          payload: JSON.stringify({
            ts: now + 86_400_000 * (2 + Math.floor(random() * 1000)),
            values: { spindle: 1 },
          }),
          expect: reject('timestamp'),
        }
      : {
          stream: 'gcode',
          payload: JSON.stringify({ ts: now + 86_400_000 * 30, line: 1, text: 'G1 X1' }),
          expect: reject('timestamp'),
        },
  backwardsBatch: ({ last, ts, values }) => ({
    stream: 'sensors',
    payload: JSON.stringify({
      samples: [
        { ts: ts(last) + 17, values: values(last) },
        { ts: ts(last) + 15, values: values(last) },
      ],
    }),
    expect: reject('timestamp'),
  }),
  duplicateRow: ({ last, ts, values }) => ({
    stream: 'sensors',
    payload: JSON.stringify({ ts: ts(last), values: values(last) }),
    expect: row('duplicate'),
  }),
  lateRow: ({ last, ts, values }) => ({
    stream: 'sensors',
    payload: JSON.stringify({ ts: ts(last) - ROW_MS / 2, values: values(last) }),
    expect: row('late'),
  }),
  unknownChannels: ({ last, ts, random }) => ({
    stream: 'sensors',
    payload: JSON.stringify({
      ts: ts(last) + 100,
      values: random() < 0.5 ? { zz_unknown: 5, 'qq.Az': 1 } : { spindle: null, x_motor: null },
    }),
    expect: row('empty'),
  }),
  gcodeControlChars: ({ last, ts, random }) => ({
    stream: 'gcode',
    payload: JSON.stringify({
      ts: ts(last) + 19,
      line: 1,
      text: `G1 X${garbage(random, 8, 0, 32)}`,
    }),
    expect: reject('schema'),
  }),
  gcodeTooLong: ({ last, ts, random }) => ({
    stream: 'gcode',
    payload: JSON.stringify({ ts: ts(last) + 19, line: 1, text: garbage(random, 1100) }),
    expect: reject('schema'),
  }),
  gcodeWrongTypes: ({ last, ts, random }) => ({
    stream: 'gcode',
    payload: JSON.stringify(
      [
        { ts: ts(last) + 19, line: -3, text: 'G1' },
        { ts: ts(last) + 19, line: 1.5, text: 'G1' },
        { ts: ts(last) + 19, line: '7', text: 'G1' },
        { ts: ts(last) + 19, line: 7, text: 71 },
        { ts: ts(last) + 19, line: 7 },
      ][Math.floor(random() * 5)],
    ),
    expect: reject('schema'),
  }),
};

export const HOSTILE_KINDS = Object.keys(MAKERS);

/**
 * The messages in sending order: valid rows (and a G-code line every `gcodeEvery` rows), with
 * the hostile ones spread evenly between them, their kinds drawn at random from every maker.
 */
export function fuzzTraffic(options: FuzzOptions): FuzzMessage[] {
  const random = seededRandom(options.seed ?? 1);
  const ts = (i: number) => options.base + ROW_MS * i;
  const every = options.gcodeEvery ?? 25;
  const messages: FuzzMessage[] = [];
  let made = 0;
  for (let i = 0; i < options.rows; i += 1) {
    if (i % every === 0) {
      messages.push({
        stream: 'gcode',
        payload: JSON.stringify({ ts: ts(i), line: i / every, text: `G1 X${i} F20` }),
        kind: 'valid',
        expect: { kind: 'valid' },
      });
    }
    messages.push({
      stream: 'sensors',
      payload: JSON.stringify({ ts: ts(i), values: options.values(i) }),
      kind: 'valid',
      expect: { kind: 'valid' },
    });
    const due = Math.round((options.hostile * (i + 1)) / options.rows);
    for (; made < due; made += 1) {
      const kind = HOSTILE_KINDS[Math.floor(random() * HOSTILE_KINDS.length)]!;
      const context = {
        last: i,
        ts,
        values: options.values,
        random,
        now: options.now,
        maxBytes: options.maxBytes,
      };
      messages.push({ ...MAKERS[kind]!(context), kind });
    }
  }
  return messages;
}

/** How many messages must end in each reject reason and each row outcome. */
export function expectedCounts(messages: readonly FuzzMessage[]) {
  const rejects: Partial<Record<RejectReason, number>> = {};
  const rows: Partial<Record<RowOutcome, number>> = {};
  for (const { expect } of messages) {
    if (expect.kind === 'reject') rejects[expect.reason] = (rejects[expect.reason] ?? 0) + 1;
    if (expect.kind === 'row') rows[expect.outcome] = (rows[expect.outcome] ?? 0) + 1;
  }
  return { rejects, rows };
}
