import { z } from 'zod';
import { AdaptdError } from '../errors.js';

const finite = z.number().refine(Number.isFinite, 'must be a finite number');

/** One calibrated alarm level: the threshold for an expected run time between false alarms. */
export const thresholdLevelSchema = z.object({
  /** Expected run time between false alarms, in windows. */
  ert: z.number().int().min(2),
  /** The threshold held from the end of the curve on. */
  threshold: finite,
  /** The threshold per step after the window first fills, [steps]. */
  curve: z.array(finite).min(1),
  /**
   * Steps where no bootstrap stream lay above the threshold: there it is the largest
   * statistic seen, because the calibration runs hold too few distinct windows for the ERT.
   */
  saturatedSteps: z.number().int().nonnegative(),
});

/** The outcome of replaying held-out source runs through a calibrated monitor. */
export const replayCheckSchema = z.object({
  /** 0 for the shipped thresholds; k for thresholds calibrated with the run roles rotated. */
  rotation: z.number().int().nonnegative(),
  ert: z.number().int().min(2),
  runs: z.array(z.string()),
  /** Steps with a defined statistic (after the window filled). */
  steps: z.number().int().nonnegative(),
  alarms: z.number().int().nonnegative(),
  /** alarms / steps, to compare with 1 / ert. */
  rate: z.number().nonnegative(),
});

/** What `adaptd drift calibrate` writes into drift.json's `thresholds`. */
export const driftThresholdsSchema = z.object({
  method: z.literal('online-mmd/block-bootstrap'),
  window: z.number().int().min(2),
  streams: z.number().int().positive(),
  /** Steps per stream after the window first fills: the length of each curve. */
  steps: z.number().int().positive(),
  seed: z.number().int().nonnegative(),
  referenceSize: z.number().int().min(2),
  kernel: z.object({
    mean: z.array(finite).min(1),
    std: z.array(z.number().positive()).min(1),
    bandwidth: z.number().positive(),
    multipliers: z.array(z.number().positive()).min(1),
  }),
  levels: z.array(thresholdLevelSchema).min(1),
  calibrationRuns: z.array(z.string()),
  replay: z.array(replayCheckSchema).optional(),
});

/** drift.json of a model artifact: source reference embeddings, thresholds once calibrated. */
export const driftDocumentSchema = z.object({
  units: z.number().int().positive(),
  runs: z.array(z.string()),
  /** Index into `runs` per embedding. */
  runOf: z.array(z.number().int().nonnegative()),
  embeddings: z.array(z.array(finite)),
  thresholds: driftThresholdsSchema.nullable(),
});

export type ThresholdLevel = z.infer<typeof thresholdLevelSchema>;
export type ReplayCheck = z.infer<typeof replayCheckSchema>;
export type DriftThresholds = z.infer<typeof driftThresholdsSchema>;
export type DriftDocument = z.infer<typeof driftDocumentSchema>;

/** Parses drift.json and checks its parts agree; MODEL_INVALID names the first fault. */
export function parseDriftDocument(value: unknown): DriftDocument {
  const parsed = driftDocumentSchema.safeParse(value);
  if (!parsed.success) {
    throw new AdaptdError(
      'MODEL_INVALID',
      `drift.json does not match its schema: ${parsed.error.issues[0]?.path.join('.')}: ` +
        `${parsed.error.issues[0]?.message}`,
      { context: { issues: parsed.error.issues.length } },
    );
  }
  const doc = parsed.data;
  const fault = firstFault(doc);
  if (fault !== undefined) {
    throw new AdaptdError('MODEL_INVALID', `drift.json is inconsistent: ${fault}`, {
      context: { units: doc.units, embeddings: doc.embeddings.length },
    });
  }
  return doc;
}

function firstFault(doc: DriftDocument): string | undefined {
  const { units, runs, runOf, embeddings, thresholds } = doc;
  if (runOf.length !== embeddings.length) {
    return `${runOf.length} run indices for ${embeddings.length} embeddings`;
  }
  if (embeddings.some((row) => row.length !== units)) return `an embedding without ${units} units`;
  if (runOf.some((r) => r >= runs.length)) return `a run index beyond the ${runs.length} runs`;
  if (thresholds === null) return undefined;
  if (thresholds.referenceSize !== embeddings.length) {
    return `thresholds for ${thresholds.referenceSize} embeddings, ${embeddings.length} present`;
  }
  const { mean, std } = thresholds.kernel;
  if (mean.length !== units || std.length !== units) {
    return `a kernel of ${mean.length} means and ${std.length} scales for ${units} units`;
  }
  return undefined;
}
