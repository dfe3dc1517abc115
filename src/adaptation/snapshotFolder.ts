import { z } from 'zod';
import { AdaptdError } from '../errors.js';
import { readArrayFolder, writeArrayFolder } from './arrayFolder.js';
import { join } from 'node:path';
import type { TargetSnapshot, WindowSnapshot } from './windowSnapshot.js';

const LABEL_PREFIX = 'label.';

const dimensionsSchema = z.object({
  count: z.number().int().nonnegative(),
  length: z.number().int().positive(),
  channels: z.number().int().positive(),
  contextSize: z.number().int().nonnegative(),
});

/** Writes a target snapshot to `dir` (one folder per part), for the training process to read. */
export async function writeTargetSnapshot(dir: string, snapshot: TargetSnapshot): Promise<void> {
  await writeSnapshotFolder(join(dir, 'adapt'), snapshot.adapt);
  await writeSnapshotFolder(join(dir, 'heldBack'), snapshot.heldBack);
}

/** Reads a target snapshot written by writeTargetSnapshot. */
export async function readTargetSnapshot(dir: string): Promise<TargetSnapshot> {
  return {
    adapt: await readSnapshotFolder(join(dir, 'adapt')),
    heldBack: await readSnapshotFolder(join(dir, 'heldBack')),
  };
}

/** Writes a window snapshot to `dir` atomically. */
export async function writeSnapshotFolder(dir: string, snapshot: WindowSnapshot): Promise<void> {
  const { count, length, channels, contextSize } = snapshot;
  const labels = Object.fromEntries(
    Object.entries(snapshot.labels).map(([head, values]) => [`${LABEL_PREFIX}${head}`, values]),
  );
  // Only the fields a snapshot has: the buffer's arrays may carry more (ids, embeddings).
  await writeArrayFolder(
    dir,
    { x: snapshot.x, mask: snapshot.mask, context: snapshot.context, ...labels },
    { count, length, channels, contextSize },
  );
}

/** Reads a snapshot written by writeSnapshotFolder, verifying its bytes. */
export async function readSnapshotFolder(dir: string): Promise<WindowSnapshot> {
  const { arrays, manifest } = await readArrayFolder(dir);
  const dimensions = dimensionsSchema.safeParse(manifest.meta);
  const { x, mask, context } = arrays;
  if (
    !dimensions.success ||
    !(x instanceof Float32Array) ||
    !(mask instanceof Float32Array) ||
    !(context instanceof Float32Array)
  ) {
    throw new AdaptdError('STATE_CORRUPT', `window snapshot ${dir} lacks its dimensions or arrays`);
  }
  const labels: Record<string, Int32Array> = {};
  for (const [name, values] of Object.entries(arrays)) {
    if (name.startsWith(LABEL_PREFIX) && values instanceof Int32Array) {
      labels[name.slice(LABEL_PREFIX.length)] = values;
    }
  }
  return { ...dimensions.data, x, mask, context, labels };
}
