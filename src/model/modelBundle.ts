import { z } from 'zod';
import { parseChannelSchema, type ChannelSchema } from '../data/channelSchema.js';
import { CONTEXT_SIZE } from '../data/controllerContext.js';
import { Normaliser } from '../data/normaliser.js';
import type { WindowSet } from '../data/windows.js';
import { AdaptdError } from '../errors.js';
import { DEFAULT_VOCABULARY } from '../gcode/vocabulary.js';
import { gcodeLabels } from './gcodeTargets.js';
import { loadArtifact, saveArtifact, type ArtifactManifest } from './artifact.js';
import type { SensorModel } from './sensorModel.js';
import type { LabelledWindows } from './training/windowBatch.js';

const windowSettingsSchema = z.object({
  length: z.number().int().positive(),
  stride: z.number().int().positive(),
});

/** A model with everything needed to feed it: channels, normaliser, window settings. */
export interface ModelBundle {
  model: SensorModel;
  schema: ChannelSchema;
  normaliser: Normaliser;
  window: z.infer<typeof windowSettingsSchema>;
  manifest?: ArtifactManifest;
  /** Other documents of the artifact (metrics, drift reference...), by file name. */
  documents: Record<string, unknown>;
  texts: Record<string, string>;
}

export interface SaveBundleOptions {
  version: string;
  command: string;
  trainingData: Record<string, string>;
  documents?: Record<string, unknown>;
  texts?: Record<string, string>;
}

export async function saveModelBundle(
  dir: string,
  bundle: Omit<ModelBundle, 'manifest' | 'documents' | 'texts'>,
  options: SaveBundleOptions,
): Promise<ArtifactManifest> {
  return saveArtifact(dir, bundle.model, {
    version: options.version,
    command: options.command,
    trainingData: options.trainingData,
    documents: {
      ...options.documents,
      'schema.json': bundle.schema,
      'normaliser.json': bundle.normaliser.toJSON(),
      'window.json': bundle.window,
      'vocabulary.json': DEFAULT_VOCABULARY.toJSON(),
      'labels.json': Object.fromEntries(bundle.model.config.heads.map((h) => [h.name, h.classes])),
    },
    texts: options.texts,
  });
}

/**
 * Rewrites a loaded artifact in place with some documents added or replaced; the weights,
 * every other document and the provenance (version, command, training data) stay, and the
 * manifest is written afresh.
 */
export async function rewriteModelBundle(
  dir: string,
  bundle: ModelBundle,
  documents: Record<string, unknown>,
): Promise<ArtifactManifest> {
  return saveModelBundle(dir, bundle, {
    version: bundle.manifest?.version ?? 'unknown',
    command: bundle.manifest?.command ?? 'unknown',
    trainingData: bundle.manifest?.trainingData ?? {},
    documents: { ...bundle.documents, ...documents },
    texts: bundle.texts,
  });
}

/** Loads an artifact and checks its parts agree with one another. */
export async function loadModelBundle(dir: string): Promise<ModelBundle> {
  const artifact = await loadArtifact(dir);
  const { model, documents } = artifact;
  try {
    const schema = parseChannelSchema(documents['schema.json']);
    const normaliser = Normaliser.fromJSON(documents['normaliser.json']);
    normaliser.assertMatches(schema);
    const window = windowSettingsSchema.parse(documents['window.json']);
    const config = model.config;
    if (config.channels !== schema.channels.length || config.windowLength !== window.length) {
      throw new AdaptdError(
        'MODEL_INVALID',
        `model artifact ${dir}: topology expects ${config.channels} channels and ` +
          `${config.windowLength} rows, schema and window give ${schema.channels.length} and ` +
          `${window.length}`,
      );
    }
    if (config.contextSize !== CONTEXT_SIZE) {
      throw new AdaptdError(
        'MODEL_INVALID',
        `model artifact ${dir} expects ${config.contextSize} controller-state inputs; this ` +
          `adaptd encodes ${CONTEXT_SIZE}`,
      );
    }
    return {
      model,
      schema,
      normaliser,
      window,
      manifest: artifact.manifest,
      documents,
      texts: artifact.texts,
    };
  } catch (error) {
    model.dispose();
    if (error instanceof AdaptdError) throw error;
    throw new AdaptdError(
      'MODEL_INVALID',
      `model artifact ${dir} is inconsistent: ${String(error)}`,
      {
        cause: error,
      },
    );
  }
}

/** The labels a window set provides, by head name; `motion` is per row (a step head). */
export function windowLabels(set: WindowSource): Record<string, Int32Array> {
  return {
    ...gcodeLabels(set.gcodeText, DEFAULT_VOCABULARY),
    operation: set.operation,
    variant: set.variant,
    tool: set.tool,
    motion: Int32Array.from(set.motionSteps),
    feedBand: set.feedBand,
  };
}

/** Heads whose labels are per row rather than per window. */
export const STEP_LABELS: ReadonlySet<string> = new Set(['motion']);

/** Labels of the chosen windows; a step head's labels come `length` rows per window. */
function pickLabels(
  name: string,
  values: Int32Array,
  indices: readonly number[],
  length: number,
): Int32Array {
  if (!STEP_LABELS.has(name)) return Int32Array.from(indices, (i) => values[i]!);
  const rows = new Int32Array(indices.length * length);
  indices.forEach((w, n) => rows.set(values.subarray(w * length, (w + 1) * length), n * length));
  return rows;
}

/** The parts of a WindowSet that labelled views read. */
export type WindowSource = Pick<
  WindowSet,
  | 'count'
  | 'length'
  | 'channels'
  | 'gather'
  | 'context'
  | 'operation'
  | 'variant'
  | 'tool'
  | 'motionSteps'
  | 'feedBand'
  | 'gcodeText'
>;

/** A view of some windows of a set for training and prediction. */
export function labelledWindows(
  set: WindowSource,
  indices: readonly number[] = Array.from({ length: set.count }, (_, i) => i),
  extraLabels: Record<string, Int32Array> = {},
): LabelledWindows {
  const all = { ...windowLabels(set), ...extraLabels };
  const labels = Object.fromEntries(
    Object.entries(all).map(([name, values]) => [
      name,
      pickLabels(name, values, indices, set.length),
    ]),
  );
  const pick = (positions: readonly number[]): number[] => positions.map((p) => indices[p]!);
  return {
    count: indices.length,
    length: set.length,
    channels: set.channels,
    contextSize: CONTEXT_SIZE,
    gather: (positions) => set.gather(pick(positions)),
    context: (positions) => set.context(pick(positions)),
    labels,
  };
}
