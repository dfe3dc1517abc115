import { z } from 'zod';
import { timestampSchema } from './timestamp.js';

/**
 * The envelope of a control command. Which commands exist, their arguments and how the
 * signature is checked belong to the control layer (issue 6); the transport only makes sure
 * that what it hands on has this shape.
 */
export const commandMessageSchema = z.strictObject({
  /** Chosen by the sender; replies carry it back and repeated deliveries are told apart by it. */
  requestId: z.string().min(1).max(128),
  command: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, 'a command name: lower case, digits and -'),
  /** After this time the command is answered as expired instead of run. */
  expiresAt: timestampSchema.optional(),
  args: z.record(z.string(), z.unknown()).optional(),
  /** The client that sent it, when it names one; its own secret signs it (commands.auth). */
  client: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/, 'a client name: letters, digits, _ . @ -')
    .optional(),
  signature: z.string().max(1024).optional(),
});

export type CommandMessage = z.infer<typeof commandMessageSchema>;
