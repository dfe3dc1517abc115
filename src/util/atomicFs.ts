import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** fsyncs a file or folder (a folder: so that a rename in it survives a crash). */
export async function syncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function writeAndSync(path: string, data: Uint8Array | string): Promise<void> {
  const handle = await open(path, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Replaces `path` with `data` so that a crash leaves either the old or the new file,
 * never a mix: write a temporary sibling, fsync it, rename it over, fsync the folder.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const folder = dirname(path);
  await mkdir(folder, { recursive: true });
  const temporary = join(folder, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeAndSync(temporary, data);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  await syncPath(folder);
}

/**
 * Replaces the folder `path` with one holding `files`. The new folder is written and
 * synced beside the old one, then swapped in by two renames; `recoverFolder` undoes a
 * crash between them.
 */
export async function writeFolderAtomic(
  path: string,
  files: Record<string, Uint8Array | string>,
): Promise<void> {
  const parent = dirname(path);
  await mkdir(parent, { recursive: true });
  const suffix = randomBytes(6).toString('hex');
  const staging = `${path}.staging-${suffix}`;
  const previous = `${path}.previous-${suffix}`;
  await mkdir(staging);
  try {
    for (const [name, data] of Object.entries(files)) await writeAndSync(join(staging, name), data);
    await syncPath(staging);
    const existed = await exists(path);
    if (existed) await rename(path, previous);
    await rename(staging, path);
    await syncPath(parent);
    if (existed) await rm(previous, { recursive: true, force: true });
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}

/**
 * After a crash inside `writeFolderAtomic`, puts the previous folder back if the new
 * one never arrived, and removes half-written staging folders.
 */
export async function recoverFolder(path: string): Promise<void> {
  const parent = dirname(path);
  if (!(await exists(parent))) return;
  const name = basename(path);
  const siblings = await readdir(parent);
  const present = siblings.includes(name);
  for (const sibling of siblings) {
    const full = join(parent, sibling);
    if (sibling.startsWith(`${name}.staging-`)) await rm(full, { recursive: true, force: true });
    if (sibling.startsWith(`${name}.previous-`)) {
      if (present) await rm(full, { recursive: true, force: true });
      else await rename(full, path);
    }
  }
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
