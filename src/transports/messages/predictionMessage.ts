import { z } from 'zod';
import { timestampSchema } from './timestamp.js';

/** One head's answer for a window: the top class and its softmax probability. */
export const headPredictionSchema = z.strictObject({
  label: z.string(),
  confidence: z.number().min(0).max(1),
  /** Softmax entropy in nats; 0 for a one-hot answer. */
  entropy: z.number().nonnegative().optional(),
});

/**
 * The model's answer for one window of sensor rows, published once per window. `heads` holds
 * one entry per head of the model in service (operation, tool, motion, ...).
 */
export const predictionMessageSchema = z.strictObject({
  /** Time of the window's first and last row. */
  windowStart: timestampSchema,
  windowEnd: timestampSchema,
  /** The G-code line executing at the window's last row, when known. */
  gcodeLine: z.int().nonnegative().nullable(),
  heads: z.record(z.string(), headPredictionSchema),
  /** Version of the model artifact that made the prediction. */
  modelVersion: z.string(),
  /** Version of the adapter in service; null for the source model alone. */
  adapterVersion: z.string().nullable(),
  /** Model channels with no reading in this window, masked rather than zero-filled. */
  maskedChannels: z.int().nonnegative(),
});

export type HeadPrediction = z.infer<typeof headPredictionSchema>;
export type PredictionMessage = z.infer<typeof predictionMessageSchema>;
