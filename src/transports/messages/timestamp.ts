import { z } from 'zod';

/**
 * Earliest time a message may carry: 2000-01-01T00:00:00Z. A smaller value is almost always
 * seconds sent where milliseconds are expected, so it is refused rather than read as 1970.
 */
export const EARLIEST_TIMESTAMP_MS = 946_684_800_000;

/**
 * Milliseconds since the epoch. The range check against the receiving clock lives in
 * validateMessage.ts, which reports it as a `timestamp` reject instead of a `schema` one.
 */
export const timestampSchema = z.number().nonnegative();

export type Timestamp = z.infer<typeof timestampSchema>;
