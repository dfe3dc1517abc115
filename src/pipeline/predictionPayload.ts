import type { PredictionMessage } from '../transports/messages/predictionMessage.js';
import type { SensorWindow } from '../windows/sensorWindow.js';
import type { HeadResult } from './windowPredictor.js';

/** Which model and adapter make the predictions now. */
export interface ServingVersions {
  modelVersion: string;
  /** null while the source model serves alone. */
  adapterVersion: string | null;
}

/** The `predictions` payload of one window (see src/transports/messages/predictionMessage.ts). */
export function predictionPayload(
  window: SensorWindow,
  results: Readonly<Record<string, HeadResult>>,
  versions: ServingVersions,
): PredictionMessage {
  const heads: PredictionMessage['heads'] = {};
  for (const [name, result] of Object.entries(results)) {
    heads[name] = { label: result.label, confidence: result.confidence, entropy: result.entropy };
  }
  let masked = 0;
  for (const present of window.mask) if (present === 0) masked += 1;
  return {
    windowStart: window.from,
    windowEnd: window.to,
    gcodeLine: window.gcode.at(-1)?.line ?? null,
    heads,
    modelVersion: versions.modelVersion,
    adapterVersion: versions.adapterVersion,
    maskedChannels: masked,
  };
}
