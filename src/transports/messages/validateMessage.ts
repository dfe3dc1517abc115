import type { z } from 'zod';
import { PAYLOAD_SCHEMAS, type InputPayloads } from './payloadSchemas.js';
import type { RejectReason } from './rejectReason.js';
import { samplesOf } from './sensorMessage.js';
import type { InputStream } from './streams.js';
import { EARLIEST_TIMESTAMP_MS } from './timestamp.js';

export interface MessageLimits {
  /** Largest payload accepted, in bytes. */
  readonly maxBytes: number;
  /** How far a message time may lie ahead of the receiving clock, in ms. */
  readonly maxAheadMs: number;
}

/**
 * A day: a replay at full speed stamps rows with times up to a run's length ahead of the
 * clock, and an edge box's clock may be off by hours before NTP corrects it.
 */
export const DEFAULT_LIMITS: MessageLimits = { maxBytes: 1 << 20, maxAheadMs: 86_400_000 };

export type Validation<S extends InputStream> =
  | { readonly ok: true; readonly stream: S; readonly payload: InputPayloads[S] }
  | { readonly ok: false; readonly reason: RejectReason; readonly detail: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

function refuse(
  reason: RejectReason,
  detail: string,
): { ok: false; reason: RejectReason; detail: string } {
  return { ok: false, reason, detail };
}

/** The path of the first non-finite number in a parsed JSON value, if any. */
function nonFinitePath(value: unknown, path: string): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : path;
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [key, item] of Object.entries(value)) {
    const found = nonFinitePath(item, Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * One line for a schema issue. A union (one sample or a batch) reports only "invalid input";
 * the branch that came closest, with the fewest issues, says more.
 */
function describeIssue(issue: z.core.$ZodIssue, prefix: readonly PropertyKey[] = []): string {
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const closest = [...issue.errors].sort((a, b) => a.length - b.length)[0]?.[0];
    if (closest !== undefined) return describeIssue(closest, [...prefix, ...issue.path]);
  }
  const path = [...prefix, ...issue.path].map(String).join('.');
  return `${path === '' ? 'payload' : path}: ${issue.message}`;
}

/** The times a payload carries, in the order they must keep. */
function timesOf(
  stream: InputStream,
  payload: InputPayloads[InputStream],
): {
  times: number[];
  ordered: boolean;
} {
  switch (stream) {
    case 'sensors':
      return {
        times: samplesOf(payload as InputPayloads['sensors']).map((sample) => sample.ts),
        ordered: true,
      };
    case 'gcode':
      return { times: [(payload as InputPayloads['gcode']).ts], ordered: true };
    case 'labels': {
      const label = payload as InputPayloads['labels'];
      return { times: [label.from, label.to], ordered: true };
    }
    case 'commands': {
      const expiresAt = (payload as InputPayloads['commands']).expiresAt;
      return { times: expiresAt === undefined ? [] : [expiresAt], ordered: false };
    }
  }
}

function timeProblem(times: number[], ordered: boolean, limits: MessageLimits, now: number) {
  for (const [i, ts] of times.entries()) {
    if (ts < EARLIEST_TIMESTAMP_MS) {
      return `time ${ts} is before 2000-01-01 (${EARLIEST_TIMESTAMP_MS}); send ms since the epoch`;
    }
    if (ts > now + limits.maxAheadMs) {
      return `time ${ts} is more than ${limits.maxAheadMs} ms ahead of this clock (${now})`;
    }
    const previous = times[i - 1];
    if (ordered && previous !== undefined && ts < previous) {
      return `time ${ts} comes after ${previous}; times must not decrease`;
    }
  }
  return undefined;
}

/**
 * Parses one raw payload of an input stream into its typed value, or says why it is refused.
 * Never throws: whatever arrives on the wire ends as a value or a reject.
 */
export function validateMessage<S extends InputStream>(
  stream: S,
  raw: Uint8Array,
  limits: MessageLimits = DEFAULT_LIMITS,
  now: number = Date.now(),
): Validation<S> {
  if (raw.byteLength > limits.maxBytes) {
    return refuse('too_large', `${raw.byteLength} bytes; at most ${limits.maxBytes} allowed`);
  }
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    return refuse('encoding', 'payload is not valid UTF-8');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return refuse('json', error instanceof Error ? error.message : 'not JSON');
  }
  const result = PAYLOAD_SCHEMAS[stream].safeParse(parsed);
  // The schemas take finite numbers only, except in a command's free-form arguments; elsewhere
  // an overflow is looked for only once they refuse, which spares the walk on the hot path.
  if (!result.success || stream === 'commands') {
    const overflow = nonFinitePath(parsed, 'payload');
    if (overflow !== undefined) return refuse('non_finite', `${overflow} is not a finite number`);
  }
  if (!result.success) {
    const [first] = result.error.issues;
    const more = result.error.issues.length - 1;
    const detail = first === undefined ? 'does not match' : describeIssue(first);
    return refuse('schema', more > 0 ? `${detail} (and ${more} more)` : detail);
  }
  const payload = result.data as InputPayloads[S];
  const { times, ordered } = timesOf(stream, payload);
  const problem = timeProblem(times, ordered, limits, now);
  if (problem !== undefined) return refuse('timestamp', problem);
  return { ok: true, stream, payload };
}
