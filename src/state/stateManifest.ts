import canonicalize from 'canonicalize';
import { z } from 'zod';
import { sha256 } from '../util/atomicFs.js';

/** Names a generation's files may have: no folders, no hidden files, not the manifest. */
export const STATE_FILE_NAME = /^[a-z0-9][a-z0-9._-]{0,127}$/;
export const MANIFEST = 'manifest.json';

export const stateManifestSchema = z.strictObject({
  format: z.literal('adaptd-state/1'),
  generation: z.int().positive(),
  createdAt: z.string(),
  /** What the writer wants to find again without reading the files (versions, counts). */
  meta: z.record(z.string(), z.unknown()),
  files: z.record(
    z.string().regex(STATE_FILE_NAME),
    z.strictObject({ sha256: z.string().regex(/^[0-9a-f]{64}$/), bytes: z.int().nonnegative() }),
  ),
  /** sha256 of the RFC 8785 form of every other field, so a damaged manifest is caught too. */
  checksum: z.string().regex(/^[0-9a-f]{64}$/),
});

export type StateManifest = z.infer<typeof stateManifestSchema>;

export function manifestChecksum(manifest: Omit<StateManifest, 'checksum'>): string {
  const rest: Record<string, unknown> = { ...manifest };
  delete rest.checksum;
  return sha256(canonicalize(rest) ?? '');
}

/** The manifest of files with their hashes, sealed with its own checksum. */
export function sealManifest(
  generation: number,
  files: ReadonlyMap<string, Uint8Array>,
  meta: Record<string, unknown>,
  createdAt: Date,
): StateManifest {
  const entries: StateManifest['files'] = {};
  for (const [name, data] of files)
    entries[name] = { sha256: sha256(data), bytes: data.byteLength };
  const unsealed = {
    format: 'adaptd-state/1' as const,
    generation,
    createdAt: createdAt.toISOString(),
    meta,
    files: entries,
  };
  return { ...unsealed, checksum: manifestChecksum(unsealed) };
}
