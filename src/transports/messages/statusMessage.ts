import { z } from 'zod';
import { timestampSchema } from './timestamp.js';

export const DAEMON_STATES = ['starting', 'online', 'stopping', 'offline'] as const;
export type DaemonState = (typeof DAEMON_STATES)[number];

/**
 * The retained status of the daemon. `session` grows with every connection to the broker, so
 * a last will left over from an earlier connection (a lower session) can be told from the
 * state of the current one.
 */
export const statusMessageSchema = z.strictObject({
  state: z.enum(DAEMON_STATES),
  session: z.int().nonnegative(),
  ts: timestampSchema,
  /** Why the daemon is in this state, e.g. `connection lost` in the last will. */
  reason: z.string().optional(),
  modelVersion: z.string().optional(),
  adapterVersion: z.string().nullable().optional(),
});

export type StatusMessage = z.infer<typeof statusMessageSchema>;
