import { z } from 'zod';
import { timestampSchema } from './timestamp.js';

/**
 * An operator's label for the time span [from, to] of one head, e.g. `{head: 'tool', label:
 * 'damaged'}`. Head and label are checked against the model in service by the pipeline, not
 * here: the transport does not know which heads the model has.
 */
export const labelMessageSchema = z.strictObject({
  requestId: z.string().min(1).max(128).optional(),
  from: timestampSchema,
  to: timestampSchema,
  head: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'a head name: a letter then [A-Za-z0-9_]'),
  label: z.string().min(1).max(128),
});

export type LabelMessage = z.infer<typeof labelMessageSchema>;
