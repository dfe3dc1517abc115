import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { AdaptdError } from '../errors.js';
import { recoverFolder, sha256, writeFolderAtomic } from '../util/atomicFs.js';

export type NamedArrays = Record<string, Float32Array | Int32Array>;

const manifestSchema = z.object({
  format: z.literal('adaptd-arrays/1'),
  /** sha256 of data.bin. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  arrays: z.array(
    z.object({
      name: z.string(),
      dtype: z.enum(['float32', 'int32']),
      length: z.number().int().nonnegative(),
      shape: z.array(z.number().int().nonnegative()).optional(),
    }),
  ),
  meta: z.record(z.string(), z.unknown()),
});

export type ArrayManifest = z.infer<typeof manifestSchema>;

/**
 * Writes typed arrays and a JSON record about them to the folder `dir` atomically: one
 * data.bin with the arrays back to back and a manifest.json naming each array and the hash of
 * the bytes. Used for adapter versions and for the window snapshots handed to training.
 */
export async function writeArrayFolder(
  dir: string,
  arrays: NamedArrays,
  meta: Record<string, unknown> = {},
  shapes: Record<string, number[]> = {},
): Promise<ArrayManifest> {
  const entries = Object.entries(arrays);
  const total = entries.reduce((sum, [, values]) => sum + values.byteLength, 0);
  const data = new Uint8Array(total);
  let offset = 0;
  for (const [, values] of entries) {
    data.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), offset);
    offset += values.byteLength;
  }
  const manifest: ArrayManifest = {
    format: 'adaptd-arrays/1',
    sha256: sha256(data),
    arrays: entries.map(([name, values]) => ({
      name,
      dtype: values instanceof Float32Array ? 'float32' : 'int32',
      length: values.length,
      ...(shapes[name] === undefined ? {} : { shape: shapes[name] }),
    })),
    meta,
  };
  await writeFolderAtomic(dir, {
    'data.bin': data,
    'manifest.json': `${JSON.stringify(manifest, null, 1)}\n`,
  });
  return manifest;
}

/** Reads a folder written by writeArrayFolder; STATE_CORRUPT if its bytes do not match. */
export async function readArrayFolder(
  dir: string,
): Promise<{ arrays: NamedArrays; manifest: ArrayManifest }> {
  await recoverFolder(dir);
  const corrupt = (what: string, cause?: unknown) =>
    new AdaptdError('STATE_CORRUPT', `array folder ${dir} ${what}`, { context: { dir }, cause });
  let manifest: ArrayManifest;
  let data: Buffer;
  try {
    manifest = manifestSchema.parse(JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')));
    data = await readFile(join(dir, 'data.bin'));
  } catch (error) {
    throw corrupt('cannot be read or has no valid manifest.json', error);
  }
  const actual = sha256(data);
  if (actual !== manifest.sha256) {
    throw corrupt(`data.bin has sha256 ${actual} but its manifest says ${manifest.sha256}`);
  }
  const arrays: NamedArrays = {};
  let offset = 0;
  for (const spec of manifest.arrays) {
    const bytes = spec.length * 4;
    if (offset + bytes > data.length) throw corrupt(`data.bin is shorter than ${spec.name} needs`);
    // Copy into an aligned buffer of its own: the file's Buffer may start at any byte.
    const copy = new Uint8Array(bytes);
    copy.set(data.subarray(offset, offset + bytes));
    arrays[spec.name] =
      spec.dtype === 'float32' ? new Float32Array(copy.buffer) : new Int32Array(copy.buffer);
    offset += bytes;
  }
  if (offset !== data.length) throw corrupt('data.bin holds more bytes than its arrays');
  return { arrays, manifest };
}
