import type { z } from 'zod';
import { commandMessageSchema } from './commandMessage.js';
import { deadLetterMessageSchema } from './deadLetterMessage.js';
import { driftMessageSchema } from './driftMessage.js';
import { eventMessageSchema } from './eventMessage.js';
import { gcodeMessageSchema } from './gcodeMessage.js';
import { labelMessageSchema } from './labelMessage.js';
import { predictionMessageSchema } from './predictionMessage.js';
import { replyMessageSchema } from './replyMessage.js';
import { sensorMessageSchema } from './sensorMessage.js';
import { statusMessageSchema } from './statusMessage.js';
import type { InputStream, OutputStream, Stream } from './streams.js';

/** The one map from each stream to the schema of its payload. */
export const PAYLOAD_SCHEMAS = {
  sensors: sensorMessageSchema,
  gcode: gcodeMessageSchema,
  labels: labelMessageSchema,
  commands: commandMessageSchema,
  predictions: predictionMessageSchema,
  status: statusMessageSchema,
  drift: driftMessageSchema,
  events: eventMessageSchema,
  replies: replyMessageSchema,
  deadletter: deadLetterMessageSchema,
} as const satisfies Record<Stream, z.ZodType>;

/** The payload type of each stream. */
export type StreamPayloads = { [S in Stream]: z.infer<(typeof PAYLOAD_SCHEMAS)[S]> };
export type InputPayloads = Pick<StreamPayloads, InputStream>;
export type OutputPayloads = Pick<StreamPayloads, OutputStream>;
