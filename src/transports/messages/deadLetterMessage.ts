import { z } from 'zod';
import { REJECT_REASON_NAMES, type RejectReason } from './rejectReason.js';
import { timestampSchema } from './timestamp.js';

/**
 * A refused input message, kept for a person to inspect. The payload is cut to a bounded size
 * and carried as text when it is UTF-8, else as base64.
 */
export const deadLetterMessageSchema = z.strictObject({
  ts: timestampSchema,
  reason: z.enum(REJECT_REASON_NAMES as [RejectReason, ...RejectReason[]]),
  /** What exactly was wrong, e.g. the first schema issue with its path. */
  detail: z.string(),
  transport: z.enum(['mqtt', 'kafka']),
  topic: z.string(),
  partition: z.int().nonnegative().optional(),
  offset: z.string().optional(),
  payload: z.string(),
  encoding: z.enum(['utf8', 'base64']),
  /** Size of the original payload in bytes. */
  bytes: z.int().nonnegative(),
  /** Whether `payload` holds only the first part of the original. */
  truncated: z.boolean(),
});

export type DeadLetterMessage = z.infer<typeof deadLetterMessageSchema>;
