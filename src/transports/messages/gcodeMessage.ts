import { z } from 'zod';
import { timestampSchema } from './timestamp.js';

/** The G-code line the controller started executing at `ts`. */
export const gcodeMessageSchema = z.strictObject({
  ts: timestampSchema,
  /** The line number the controller reports (g2core's `line`), 0 or more. */
  line: z.int().nonnegative(),
  /**
   * The line as the program has it, e.g. `G1 X1.25 Y0.5 F20`: text, so no control characters
   * other than tab (a NUL, a line break or an escape sequence is line noise, not a program line).
   */
  text: z
    .string()
    .max(1024)
    .refine(
      (text) => !/\p{Cc}/u.test(text.replaceAll('\t', '')),
      'G-code text has control characters',
    ),
});

export type GcodeMessage = z.infer<typeof gcodeMessageSchema>;
