import { readFile, writeFile } from 'node:fs/promises';

/** Flips one bit of a file in place: the damage a disk or a stray write can do. */
export async function flipFileBit(path: string, index = 5, bit = 2): Promise<void> {
  const bytes = await readFile(path);
  bytes[index] = bytes[index]! ^ (1 << bit);
  await writeFile(path, bytes);
}
