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
  /** Proxy A-distance 2(1 - 2e) of the same classifier, when it has run. */
  proxyADistance: z.number().min(-2).max(2).optional(),
  /** While an alarm lasts: machine drift, or a program or tool change announced on G-code. */
  cause: z.enum(['machine', 'program', 'tool']).optional(),
  /** Windows the monitor has taken since it was started or reset. */
  stepsSinceReset: z.int().nonnegative().optional(),
  /** Expected windows between false alarms the threshold was calibrated for. */
  ert: z.int().positive().optional(),
});

export type DriftMessage = z.infer<typeof driftMessageSchema>;
