import { mkdir, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { syncPath } from '../util/atomicFs.js';

/** Where damaged state is moved: `<state.dir>/quarantine`, shared by every kind of state. */
export function quarantineDir(stateDir: string): string {
  return join(stateDir, 'quarantine');
}

/** A moment as a file-name part (no colons or dots). */
export function quarantineStamp(now: Date): string {
  return now.toISOString().replace(/[:.]/g, '-');
}

/**
 * Moves a damaged file or folder to `<stateDir>/quarantine/<name>` (a rename: same file
 * system) and fsyncs the folder it left and the quarantine, so that a crash right after
 * does not bring it back. Returns where it now lies.
 */
export async function setAside(stateDir: string, path: string, name: string): Promise<string> {
  const folder = quarantineDir(stateDir);
  await mkdir(folder, { recursive: true });
  const target = join(folder, name);
  await rename(path, target);
  await syncPath(dirname(path));
  await syncPath(folder);
  return target;
}
