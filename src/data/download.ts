import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { z } from 'zod';
import { AdaptdError, isAdaptdError } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import { writeFileAtomic } from '../util/atomicFs.js';
import manifestJson from './datasetManifest.json' with { type: 'json' };

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/**
 * What the public data set must hold: each original CSV's SHA-256 and size, uncompressed.
 * The committed manifest covers the 108 runs of the shared folder and was made there with
 * `zcat <name>.gz | sha256sum` and `zcat <name>.gz | wc -c` per file.
 */
export interface DatasetManifest {
  source: { repository: string; commit: string; folder: string; licence: string };
  files: Record<string, { sha256: string; bytes: number }>;
}

const manifestShape = z.object({
  source: z.object({
    repository: z.string().min(1),
    commit: z.string().regex(/^[0-9a-f]{40}$/),
    folder: z.string(),
    licence: z.string(),
  }),
  files: z.record(
    z.string().regex(/^[A-Za-z0-9_]+\.csv$/),
    z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), bytes: z.number().int().nonnegative() }),
  ),
});

export function parseManifest(json: unknown): DatasetManifest {
  const parsed = manifestShape.safeParse(json);
  if (!parsed.success) {
    throw new AdaptdError(
      'DATA_INVALID',
      `dataset manifest is malformed: ${parsed.error.message}`,
      {
        cause: parsed.error,
      },
    );
  }
  return parsed.data;
}

export const DATASET_MANIFEST: DatasetManifest = parseManifest(manifestJson);

export const DEFAULT_BASE_URL =
  `https://raw.githubusercontent.com/${DATASET_MANIFEST.source.repository}/` +
  `${DATASET_MANIFEST.source.commit}/${DATASET_MANIFEST.source.folder}/`;

export interface DownloadEvent {
  file: string;
  /** 1-based position among the files of this call. */
  index: number;
  total: number;
  status: 'present' | 'downloaded' | 'retrying';
  /** Uncompressed bytes of the file. */
  bytes: number;
  /** The failed attempt, for `retrying`. */
  attempt?: number;
  reason?: string;
}

export interface DownloadOptions {
  out: string;
  baseUrl?: string;
  /** Manifest file names (`face_001_aligned.csv`) or run ids (`face_001`); all by default. */
  files?: readonly string[];
  fetchImpl?: typeof fetch;
  manifest?: DatasetManifest;
  /** Tries per file before giving up. Default 4. */
  attempts?: number;
  /** Wait before the first retry; doubled each time. Default 1,000 ms. */
  retryDelayMs?: number;
  onProgress?: (event: DownloadEvent) => void;
  logger?: Logger;
}

export interface DownloadResult {
  downloaded: string[];
  present: string[];
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function resolveNames(manifest: DatasetManifest, files?: readonly string[]): string[] {
  const known = Object.keys(manifest.files).sort();
  if (files === undefined) return known;
  return files.map((name) => {
    if (name in manifest.files) return name;
    if (`${name}_aligned.csv` in manifest.files) return `${name}_aligned.csv`;
    throw new AdaptdError('DATA_NOT_FOUND', `${name} is not in the dataset manifest`, {
      context: { file: name, known: known.length },
    });
  });
}

/** True when `path` is a gzip file whose content has the expected hash. */
async function alreadyPresent(path: string, sha: string): Promise<boolean> {
  try {
    return sha256(await gunzipAsync(await readFile(path))) === sha;
  } catch {
    return false;
  }
}

async function fetchOnce(fetchImpl: typeof fetch, url: string): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetchImpl(url);
  } catch (error) {
    throw new AdaptdError('SERVICE_FAILED', `fetching ${url} failed: ${String(error)}`, {
      cause: error,
      context: { url },
      retriable: true,
    });
  }
  if (response.status === 404) {
    throw new AdaptdError(
      'DATA_NOT_FOUND',
      `${url} answered 404; the file is not published there`,
      {
        context: { url, status: 404 },
      },
    );
  }
  if (!response.ok) {
    throw new AdaptdError('SERVICE_FAILED', `${url} answered ${response.status}`, {
      context: { url, status: response.status },
      retriable: response.status === 429 || response.status >= 500,
    });
  }
  try {
    return new Uint8Array(await response.arrayBuffer());
  } catch (error) {
    throw new AdaptdError('SERVICE_FAILED', `reading ${url} broke off: ${String(error)}`, {
      cause: error,
      context: { url },
      retriable: true,
    });
  }
}

/**
 * Fetches the public data set into `out` as `<name>.gz`, verifying every file against the
 * manifest before it is written (atomically). Files already there with the right content
 * are kept, so an interrupted download resumes. A hash or size mismatch is refused.
 */
export async function downloadDataset(options: DownloadOptions): Promise<DownloadResult> {
  const manifest = options.manifest ?? DATASET_MANIFEST;
  const baseUrl = (options.baseUrl ?? DEFAULT_BASE_URL).replace(/\/?$/, '/');
  const fetchImpl = options.fetchImpl ?? fetch;
  const attempts = options.attempts ?? 4;
  const delay = options.retryDelayMs ?? 1_000;
  const logger = options.logger ?? silentLogger;
  const out = resolve(options.out);
  const names = resolveNames(manifest, options.files);
  await mkdir(out, { recursive: true });
  const result: DownloadResult = { downloaded: [], present: [] };
  for (const [i, name] of names.entries()) {
    const expected = manifest.files[name] as { sha256: string; bytes: number };
    const target = join(out, `${name}.gz`);
    const event = { file: name, index: i + 1, total: names.length, bytes: expected.bytes };
    if (await alreadyPresent(target, expected.sha256)) {
      result.present.push(name);
      options.onProgress?.({ ...event, status: 'present' });
      continue;
    }
    const url = new URL(name, baseUrl).toString();
    const data = await withRetries(
      attempts,
      delay,
      () => fetchOnce(fetchImpl, url),
      (attempt, error) => {
        logger.warn({ url, attempt, err: error }, 'dataset download retrying');
        options.onProgress?.({ ...event, status: 'retrying', attempt, reason: error.message });
      },
    );
    const actual = sha256(data);
    if (actual !== expected.sha256 || data.length !== expected.bytes) {
      throw new AdaptdError(
        'DATA_HASH_MISMATCH',
        `${url} gave ${data.length} bytes with sha256 ${actual}; the manifest expects ` +
          `${expected.bytes} bytes with sha256 ${expected.sha256}. Nothing was written`,
        { context: { url, actual, expected: expected.sha256, bytes: data.length } },
      );
    }
    await writeFileAtomic(target, await gzipAsync(data));
    result.downloaded.push(name);
    options.onProgress?.({ ...event, status: 'downloaded' });
  }
  return result;
}

async function withRetries<T>(
  attempts: number,
  delayMs: number,
  task: () => Promise<T>,
  onRetry: (attempt: number, error: AdaptdError) => void,
): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await task();
    } catch (error) {
      if (!isAdaptdError(error) || !error.retriable || attempt >= attempts) throw error;
      onRetry(attempt, error);
      await new Promise((done) => setTimeout(done, delayMs * 2 ** (attempt - 1)));
    }
  }
}
