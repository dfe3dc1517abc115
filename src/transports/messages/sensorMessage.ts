import { z } from 'zod';
import { timestampSchema } from './timestamp.js';

/** Most samples one batch message may carry; a recorded run has at most about 3,500 rows. */
export const MAX_BATCH_SAMPLES = 4096;
/** Most channels one sample may carry; the recorded runs have at most 282 columns. */
export const MAX_CHANNELS = 1024;

/** Keys that would reach an object's prototype if copied blindly; never a channel name. */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * A channel as the machine names it, e.g. `y_bed__3.Ax` or `spindle`: a letter, then letters,
 * digits and `_ . : -`, at most 128 characters.
 */
export const channelNameSchema = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_.:-]{0,127}$/, 'channel names are a letter then [A-Za-z0-9_.:-]')
  .refine((name) => !PROTOTYPE_KEYS.has(name), 'channel name is reserved');

/**
 * JSON.parse makes `"__proto__"` an own key, which zod's record skips without a word; it is
 * looked for before the record sees it, so that such a sample is refused rather than emptied.
 */
const noPrototypeKey = z.custom<unknown>(
  (value) => typeof value !== 'object' || value === null || !Object.hasOwn(value, '__proto__'),
  'channel name is reserved',
);

/** One sensor sample: every channel's value at `ts`; null where the machine had no reading. */
export const sensorSampleSchema = z.strictObject({
  ts: timestampSchema,
  values: noPrototypeKey
    .pipe(z.record(channelNameSchema, z.number().nullable()))
    .refine((values) => Object.keys(values).length <= MAX_CHANNELS, {
      message: `at most ${MAX_CHANNELS} channels per sample`,
    }),
});

/** Several samples in one message, oldest first. */
export const sensorBatchSchema = z.strictObject({
  samples: z.array(sensorSampleSchema).min(1).max(MAX_BATCH_SAMPLES),
});

/** The `sensors` stream carries either one sample or a batch. */
export const sensorMessageSchema = z.union([sensorSampleSchema, sensorBatchSchema]);

export type SensorSample = z.infer<typeof sensorSampleSchema>;
export type SensorBatch = z.infer<typeof sensorBatchSchema>;
export type SensorMessage = z.infer<typeof sensorMessageSchema>;

/** The samples of a message, oldest first, whether it held one or a batch. */
export function samplesOf(message: SensorMessage): readonly SensorSample[] {
  return 'samples' in message ? message.samples : [message];
}
