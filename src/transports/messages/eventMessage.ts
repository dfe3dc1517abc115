import { z } from 'zod';
import { timestampSchema } from './timestamp.js';

/**
 * Something the daemon did or saw that a person may want to follow: an adaptation run, a
 * promotion, a rollback, a drift alarm. `kind` names it; `detail` holds its fields.
 */
export const eventMessageSchema = z.strictObject({
  ts: timestampSchema,
  kind: z.string().regex(/^[a-z][a-z0-9_.-]{0,63}$/, 'an event kind: lower case, digits, _ . -'),
  requestId: z.string().optional(),
  detail: z.record(z.string(), z.unknown()).optional(),
});

export type EventMessage = z.infer<typeof eventMessageSchema>;
