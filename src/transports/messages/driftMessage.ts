import { z } from 'zod';
import { timestampSchema } from './timestamp.js';

/** A drift summary: where the online statistics stand against their calibrated thresholds. */
export const driftMessageSchema = z.strictObject({
  ts: timestampSchema,
  /** Windows in the target window the statistic is computed on. */
  windows: z.int().nonnegative(),
  mmd: z.number(),
  threshold: z.number(),
  alarm: z.boolean(),
  /** Out-of-fold AUROC of the domain classifier, when it has run. */
  domainAuc: z.number().min(0).max(1).optional(),
});

export type DriftMessage = z.infer<typeof driftMessageSchema>;
