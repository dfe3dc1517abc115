import * as tf from '@tensorflow/tfjs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { AdaptdError } from '../errors.js';
import { recoverFolder, sha256, writeFolderAtomic } from '../util/atomicFs.js';
import { modelConfigSchema } from './modelConfig.js';
import { SensorModel } from './sensorModel.js';

export const ARTIFACT_FORMAT = 'adaptd-model/1';

const weightSpecSchema = z.object({
  name: z.string(),
  shape: z.array(z.number().int().nonnegative()),
  dtype: z.literal('float32'),
});

const manifestSchema = z.object({
  format: z.literal(ARTIFACT_FORMAT),
  version: z.string(),
  createdAt: z.string(),
  command: z.string(),
  /** sha256 of every other file in the folder. */
  files: z.record(z.string(), z.string().regex(/^[0-9a-f]{64}$/)),
  /** sha256 of each recorded run the model was trained on, by run id. */
  trainingData: z.record(z.string(), z.string()),
});

export type ArtifactManifest = z.infer<typeof manifestSchema>;

/** Everything an artifact holds besides the weights, as JSON documents by file name. */
export type ArtifactDocuments = Record<string, unknown>;

export interface SaveArtifactOptions {
  version: string;
  command: string;
  trainingData: Record<string, string>;
  /** Further JSON files (schema, normaliser, vocabulary, labels, drift, metrics...). */
  documents: ArtifactDocuments;
  /** Further text files such as report.md. */
  texts?: Record<string, string>;
}

/** Writes model topology, weights and documents to `dir` atomically, with a hash manifest. */
export async function saveArtifact(
  dir: string,
  model: SensorModel,
  options: SaveArtifactOptions,
): Promise<ArtifactManifest> {
  const names = model.store.names();
  const tensors = model.store.snapshot(names);
  let weightBytes: Uint8Array;
  let specs: { name: string; shape: number[]; dtype: 'float32' }[];
  try {
    const encoded = await tf.io.encodeWeights(tensors);
    weightBytes = new Uint8Array(encoded.data);
    specs = encoded.specs.map((s) => ({ name: s.name, shape: s.shape, dtype: 'float32' as const }));
  } finally {
    tf.dispose(tensors);
  }
  const files: Record<string, Uint8Array | string> = {
    'topology.json': json(model.config),
    'weights.json': json(specs),
    'weights.bin': weightBytes,
  };
  for (const [name, doc] of Object.entries(options.documents)) files[name] = json(doc);
  for (const [name, text] of Object.entries(options.texts ?? {})) files[name] = text;
  const manifest: ArtifactManifest = {
    format: ARTIFACT_FORMAT,
    version: options.version,
    createdAt: new Date().toISOString(),
    command: options.command,
    files: Object.fromEntries(Object.entries(files).map(([name, data]) => [name, sha256(data)])),
    trainingData: options.trainingData,
  };
  files['manifest.json'] = json(manifest);
  await writeFolderAtomic(dir, files);
  return manifest;
}

export interface LoadedArtifact {
  dir: string;
  manifest: ArtifactManifest;
  model: SensorModel;
  /** Parsed JSON documents by file name (topology and weights excluded). */
  documents: ArtifactDocuments;
  texts: Record<string, string>;
}

/**
 * Loads and verifies an artifact: every file's hash must match the manifest and no
 * unlisted file may be present; weights must match the topology exactly.
 */
export async function loadArtifact(dir: string): Promise<LoadedArtifact> {
  await recoverFolder(dir);
  const manifest = await readManifest(dir);
  const listed = new Set([...Object.keys(manifest.files), 'manifest.json']);
  const present = await readdir(dir);
  const extra = present.filter((name) => !listed.has(name));
  if (extra.length > 0) {
    throw invalid(dir, `holds files its manifest does not list: ${extra.join(', ')}`);
  }
  const contents = new Map<string, Buffer>();
  for (const [name, expected] of Object.entries(manifest.files)) {
    const data = await readFile(join(dir, name)).catch(() => {
      throw invalid(dir, `is missing ${name}, which its manifest lists`);
    });
    const actual = sha256(data);
    if (actual !== expected) {
      throw invalid(dir, `file ${name} has sha256 ${actual} but the manifest says ${expected}`);
    }
    contents.set(name, data);
  }
  const config = modelConfigSchema.safeParse(parseJson(dir, 'topology.json', contents));
  if (!config.success) throw invalid(dir, `topology.json is invalid: ${config.error.message}`);
  const specs = z.array(weightSpecSchema).safeParse(parseJson(dir, 'weights.json', contents));
  if (!specs.success) throw invalid(dir, `weights.json is invalid: ${specs.error.message}`);
  const model = new SensorModel(config.data);
  try {
    const bytes = contents.get('weights.bin');
    if (bytes === undefined) throw invalid(dir, 'has no weights.bin');
    const buffer = new Uint8Array(bytes).buffer;
    const expectedNames = new Set(model.store.names());
    const givenNames = new Set(specs.data.map((s) => s.name));
    const missing = [...expectedNames].filter((n) => !givenNames.has(n));
    if (missing.length > 0) throw invalid(dir, `weights lack ${missing.slice(0, 5).join(', ')}`);
    const tensors = tf.io.decodeWeights(buffer, specs.data);
    try {
      model.store.assign(tensors);
    } finally {
      tf.dispose(Object.values(tensors));
    }
  } catch (error) {
    model.dispose();
    if (error instanceof AdaptdError) throw error;
    throw invalid(dir, `weights cannot be decoded: ${String(error)}`);
  }
  const documents: ArtifactDocuments = {};
  const texts: Record<string, string> = {};
  for (const name of contents.keys()) {
    if (['topology.json', 'weights.json', 'weights.bin'].includes(name)) continue;
    if (name.endsWith('.json')) documents[name] = parseJson(dir, name, contents);
    else texts[name] = contents.get(name)!.toString('utf8');
  }
  return { dir, manifest, model, documents, texts };
}

async function readManifest(dir: string): Promise<ArtifactManifest> {
  let raw: string;
  try {
    raw = await readFile(join(dir, 'manifest.json'), 'utf8');
  } catch {
    throw invalid(dir, 'has no manifest.json; is this a model artifact folder?');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw invalid(dir, 'manifest.json is not valid JSON');
  }
  const manifest = manifestSchema.safeParse(parsed);
  if (!manifest.success) {
    throw invalid(
      dir,
      `manifest.json does not match ${ARTIFACT_FORMAT}: ${manifest.error.message}`,
    );
  }
  return manifest.data;
}

function parseJson(dir: string, name: string, contents: Map<string, Buffer>): unknown {
  const data = contents.get(name);
  if (data === undefined) throw invalid(dir, `has no ${name}`);
  try {
    return JSON.parse(data.toString('utf8'));
  } catch {
    throw invalid(dir, `${name} is not valid JSON`);
  }
}

function invalid(dir: string, what: string): AdaptdError {
  return new AdaptdError('MODEL_INVALID', `model artifact ${dir} ${what}`, { context: { dir } });
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 1)}\n`;
}
