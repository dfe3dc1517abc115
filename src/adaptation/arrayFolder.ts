import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { z } from 'zod';
import { AdaptdError } from '../errors.js';
import type { DamageReason } from '../state/stateStore.js';
import { recoverFolder, sha256, writeFolderAtomic } from '../util/atomicFs.js';

export type NamedArrays = Record<string, Float32Array | Int32Array>;

const arraySpec = z.object({
  name: z.string(),
  dtype: z.enum(['float32', 'int32']),
  length: z.number().int().nonnegative(),
  shape: z.array(z.number().int().nonnegative()).optional(),
});

/** One file per array, each with its own hash, so that writing never copies them whole. */
const manifestSchema = z.object({
  format: z.literal('adaptd-arrays/2'),
  arrays: z.array(
    arraySpec.extend({ file: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/) }),
  ),
  meta: z.record(z.string(), z.unknown()),
});

/** The first format: every array back to back in one data.bin (still read). */
const manifestV1Schema = z.object({
  format: z.literal('adaptd-arrays/1'),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  arrays: z.array(arraySpec),
  meta: z.record(z.string(), z.unknown()),
});

export interface ArrayManifest {
  meta: Record<string, unknown>;
}

/** Bytes hashed between two turns of the event loop: a window snapshot runs to tens of MB. */
const HASH_CHUNK = 1 << 22;

/** sha256 of `bytes`, yielding to the event loop between chunks so that inference goes on. */
async function hashInChunks(bytes: Uint8Array): Promise<string> {
  const hash = createHash('sha256');
  for (let offset = 0; offset < bytes.length; offset += HASH_CHUNK) {
    hash.update(bytes.subarray(offset, offset + HASH_CHUNK));
    await yieldToLoop();
  }
  return hash.digest('hex');
}

function bytesOf(values: Float32Array | Int32Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

/**
 * Writes typed arrays and a JSON record about them to the folder `dir` atomically: one file
 * per array (written from the array's own memory, no copy) and a manifest.json naming each
 * array with the sha256 of its bytes. Hashing yields to the event loop between chunks, and the
 * writes are asynchronous, so the daemon keeps serving while a snapshot is written. Used for
 * adapter versions and the window snapshots handed to training.
 */
export async function writeArrayFolder(
  dir: string,
  arrays: NamedArrays,
  meta: Record<string, unknown> = {},
  shapes: Record<string, number[]> = {},
): Promise<ArrayManifest> {
  const files: Record<string, Uint8Array | string> = {};
  const specs: z.infer<typeof manifestSchema>['arrays'] = [];
  let index = 0;
  for (const [name, values] of Object.entries(arrays)) {
    const file = `${index}.bin`;
    index += 1;
    const bytes = bytesOf(values);
    files[file] = bytes;
    specs.push({
      name,
      dtype: values instanceof Float32Array ? 'float32' : 'int32',
      length: values.length,
      ...(shapes[name] === undefined ? {} : { shape: shapes[name] }),
      file,
      sha256: await hashInChunks(bytes),
    });
  }
  const manifest: z.infer<typeof manifestSchema> = {
    format: 'adaptd-arrays/2',
    arrays: specs,
    meta,
  };
  files['manifest.json'] = `${JSON.stringify(manifest, null, 1)}\n`;
  await writeFolderAtomic(dir, files);
  return manifest;
}

/** Reads a folder written by writeArrayFolder; STATE_CORRUPT if its bytes do not match. */
export async function readArrayFolder(
  dir: string,
): Promise<{ arrays: NamedArrays; manifest: ArrayManifest }> {
  await recoverFolder(dir);
  // context.reason: what kind of damage, a DamageReason for the report of a set-aside folder.
  const corrupt = (what: string, reason: DamageReason, cause?: unknown) =>
    new AdaptdError('STATE_CORRUPT', `array folder ${dir} ${what}`, {
      context: { dir, reason },
      cause,
    });
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
  } catch (error) {
    throw corrupt('has no readable manifest.json', 'manifest', error);
  }
  const v2 = manifestSchema.safeParse(parsed);
  if (v2.success) {
    const arrays: NamedArrays = {};
    for (const spec of v2.data.arrays) {
      const data = await readFile(join(dir, spec.file)).catch((error: unknown) => {
        throw corrupt(`lacks ${spec.file}`, 'missing', error);
      });
      const actual = sha256(data);
      if (actual !== spec.sha256) {
        throw corrupt(
          `${spec.file} has sha256 ${actual} but its manifest says ${spec.sha256}`,
          'checksum',
        );
      }
      if (data.length !== spec.length * 4) {
        throw corrupt(`${spec.file} has the wrong length`, 'truncated');
      }
      arrays[spec.name] = typed(spec.dtype, data, 0, data.length);
    }
    return { arrays, manifest: { meta: v2.data.meta } };
  }
  const v1 = manifestV1Schema.safeParse(parsed);
  if (!v1.success) throw corrupt('has a manifest.json of no known format', 'manifest');
  const data = await readFile(join(dir, 'data.bin')).catch((error: unknown) => {
    throw corrupt('lacks data.bin', 'missing', error);
  });
  const actual = sha256(data);
  if (actual !== v1.data.sha256) {
    throw corrupt(
      `data.bin has sha256 ${actual} but its manifest says ${v1.data.sha256}`,
      'checksum',
    );
  }
  const arrays: NamedArrays = {};
  let offset = 0;
  for (const spec of v1.data.arrays) {
    const bytes = spec.length * 4;
    if (offset + bytes > data.length) {
      throw corrupt(`data.bin is shorter than ${spec.name} needs`, 'truncated');
    }
    arrays[spec.name] = typed(spec.dtype, data, offset, bytes);
    offset += bytes;
  }
  if (offset !== data.length) {
    throw corrupt('data.bin holds more bytes than its arrays', 'truncated');
  }
  return { arrays, manifest: { meta: v1.data.meta } };
}

/** A typed array over a copy of the bytes: a file's Buffer may start at any byte. */
function typed(
  dtype: 'float32' | 'int32',
  data: Buffer,
  offset: number,
  bytes: number,
): Float32Array | Int32Array {
  const copy = new Uint8Array(bytes);
  copy.set(data.subarray(offset, offset + bytes));
  return dtype === 'float32' ? new Float32Array(copy.buffer) : new Int32Array(copy.buffer);
}
