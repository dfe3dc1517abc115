import { gunzipSync, gzipSync } from 'node:zlib';
import { z } from 'zod';
import { listRuns } from '../data/runCatalog.js';
import { readRun } from '../data/runReader.js';
import { buildWindowSet } from '../data/windows.js';
import { AdaptdError } from '../errors.js';
import { selectRuns } from '../drift/runEmbeddings.js';
import { labelledWindows, type ModelBundle } from '../model/modelBundle.js';
import type { LabelledWindows } from '../model/training/windowBatch.js';
import { assertSnapshot, toSnapshot, type WindowSnapshot } from './windowSnapshot.js';

/** The artifact document holding labelled source windows the model never trained on. */
export const SOURCE_HOLDOUT_DOCUMENT = 'source-holdout.json';

/** Most windows an artifact ships in its source holdout (the committed one has 234). */
export const SHIPPED_HOLDOUT_WINDOWS = 512;

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/);

const holdoutSchema = z.object({
  format: z.literal('adaptd-source-holdout/1'),
  /** How each array is stored: little-endian bytes, gzip-compressed if set, then base64. */
  compression: z.literal('gzip').optional(),
  /** Recorded runs the windows were cut from (held out of pretraining). */
  runs: z.array(z.string()),
  count: z.number().int().nonnegative(),
  length: z.number().int().positive(),
  channels: z.number().int().positive(),
  contextSize: z.number().int().nonnegative(),
  x: base64,
  mask: base64,
  context: base64,
  labels: z.record(z.string(), base64),
});

/**
 * A source holdout as the artifact stores it: typed arrays as little-endian bytes, gzip-
 * compressed (overlapping windows repeat rows, and absent channels are zeros), in base64.
 */
export function sourceHoldoutDocument(
  windows: LabelledWindows,
  indices: readonly number[],
  runs: readonly string[],
): z.infer<typeof holdoutSchema> {
  const snapshot = toSnapshot(windows, indices);
  const encode = (values: Float32Array | Int32Array): string =>
    gzipSync(Buffer.from(values.buffer, values.byteOffset, values.byteLength), {
      level: 9,
    }).toString('base64');
  return {
    format: 'adaptd-source-holdout/1',
    compression: 'gzip',
    runs: [...runs],
    count: snapshot.count,
    length: snapshot.length,
    channels: snapshot.channels,
    contextSize: snapshot.contextSize,
    x: encode(snapshot.x),
    mask: encode(snapshot.mask),
    context: encode(snapshot.context),
    labels: Object.fromEntries(
      Object.entries(snapshot.labels).map(([head, values]) => [head, encode(values)]),
    ),
  };
}

/** `limit` indices of `count` evenly spaced from the first, so every run contributes. */
export function evenlySpaced(count: number, limit: number): number[] {
  const take = Math.min(limit, count);
  return Array.from({ length: take }, (_, i) => Math.floor((i * count) / Math.max(1, take)));
}

function parseHoldout(document: unknown): WindowSnapshot {
  const doc = holdoutSchema.parse(document);
  const bytes = (text: string): ArrayBuffer => {
    const stored = Buffer.from(text, 'base64');
    const buffer = doc.compression === 'gzip' ? gunzipSync(stored) : stored;
    const copy = new Uint8Array(buffer.length);
    copy.set(buffer);
    return copy.buffer;
  };
  const snapshot: WindowSnapshot = {
    count: doc.count,
    length: doc.length,
    channels: doc.channels,
    contextSize: doc.contextSize,
    x: new Float32Array(bytes(doc.x)),
    mask: new Float32Array(bytes(doc.mask)),
    context: new Float32Array(bytes(doc.context)),
    labels: Object.fromEntries(
      Object.entries(doc.labels).map(([head, text]) => [head, new Int32Array(bytes(text))]),
    ),
  };
  assertSnapshot(snapshot);
  return snapshot;
}

const splitSchema = z.object({ sourceVal: z.array(z.string()).min(1) });

/** Where a source holdout came from, for events and logs. */
export type HoldoutOrigin = 'artifact' | 'data' | 'none';

/**
 * Labelled source windows the model did not fit, for the supervised source term and the
 * source gate. The artifact's own `source-holdout.json` when it ships one; otherwise windows
 * cut from its source validation runs (split.json `sourceVal`) in the data folder, as the
 * drift calibration does; otherwise none. At most `limit` windows, evenly spaced, so every
 * run contributes.
 */
export async function loadSourceHoldout(
  bundle: Pick<ModelBundle, 'documents' | 'schema' | 'normaliser' | 'window'>,
  dataDir: string,
  limit: number,
): Promise<{ holdout?: WindowSnapshot; origin: HoldoutOrigin }> {
  const shipped = bundle.documents[SOURCE_HOLDOUT_DOCUMENT];
  if (shipped !== undefined) return { holdout: parseHoldout(shipped), origin: 'artifact' };
  const cut = await holdoutFromData(bundle, dataDir);
  if (cut === undefined) return { origin: 'none' };
  const { windows } = cut;
  return { holdout: toSnapshot(windows, evenlySpaced(windows.count, limit)), origin: 'data' };
}

/**
 * The `source-holdout.json` to ship with an artifact: at most `limit` windows, evenly spaced,
 * of its source validation runs read from `dataDir`. MODEL_INVALID or DATA_INVALID when the
 * artifact names no such runs or the folder lacks them.
 */
export async function packSourceHoldout(
  bundle: Pick<ModelBundle, 'documents' | 'schema' | 'normaliser' | 'window'>,
  dataDir: string,
  limit: number,
): Promise<z.infer<typeof holdoutSchema>> {
  const cut = await holdoutFromData(bundle, dataDir);
  if (cut === undefined || cut.windows.count === 0) {
    throw new AdaptdError(
      'MODEL_INVALID',
      `no source holdout: the artifact's split.json names no source validation runs found in ` +
        `${dataDir}`,
    );
  }
  return sourceHoldoutDocument(cut.windows, evenlySpaced(cut.windows.count, limit), cut.runs);
}

/** Windows of the artifact's source validation runs in `dataDir`, if it names and holds them. */
async function holdoutFromData(
  bundle: Pick<ModelBundle, 'documents' | 'schema' | 'normaliser' | 'window'>,
  dataDir: string,
): Promise<{ windows: LabelledWindows; runs: string[] } | undefined> {
  const split = splitSchema.safeParse(bundle.documents['split.json']);
  if (!split.success || dataDir === '') return undefined;
  let available;
  try {
    available = await listRuns(dataDir);
  } catch {
    return undefined;
  }
  const runs = selectRuns(available, split.data.sourceVal);
  const frames = [];
  for (const run of runs) frames.push(await readRun(run));
  const set = buildWindowSet(frames, bundle.schema, bundle.normaliser, bundle.window);
  return { windows: labelledWindows(set), runs: runs.map((run) => run.id) };
}
