import { z } from 'zod';
import { timestampSchema } from './timestamp.js';

/** The steps a command goes through, as device-job systems name them. */
export const REPLY_STATUSES = [
  'accepted',
  'rejected',
  'in_progress',
  'succeeded',
  'failed',
  'expired',
] as const;
export type ReplyStatus = (typeof REPLY_STATUSES)[number];

/** The daemon's answer to a command, one per step, matched by the command's requestId. */
export const replyMessageSchema = z.strictObject({
  requestId: z.string(),
  command: z.string(),
  status: z.enum(REPLY_STATUSES),
  ts: timestampSchema,
  /** Why a command was rejected or failed; an AdaptdError code where one applies. */
  reason: z.string().optional(),
  detail: z.record(z.string(), z.unknown()).optional(),
});

export type ReplyMessage = z.infer<typeof replyMessageSchema>;
