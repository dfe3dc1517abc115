import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { isAdaptdError } from '../../src/errors.js';
import {
  DATASET_MANIFEST,
  DEFAULT_BASE_URL,
  downloadDataset,
  type DatasetManifest,
  type DownloadEvent,
} from '../../src/data/download.js';
import { fixtureCsv, tempFolder } from './fixtures.js';

const GOOD = fixtureCsv({ rows: 5 });
const OTHER = fixtureCsv({ rows: 6 });
const hash = (text: string) => createHash('sha256').update(text).digest('hex');

/** What the server serves, and what the manifest expects (one entry is wrong on purpose). */
const SERVED: Record<string, string> = {
  'face_001_aligned.csv': GOOD,
  'face_002_aligned.csv': OTHER,
  'face_003_aligned.csv': GOOD,
};
const MANIFEST: DatasetManifest = {
  source: { repository: 'test/repo', commit: 'a'.repeat(40), folder: 'data', licence: 'MIT' },
  files: {
    'face_001_aligned.csv': { sha256: hash(GOOD), bytes: Buffer.byteLength(GOOD) },
    'face_002_aligned.csv': { sha256: hash(GOOD), bytes: Buffer.byteLength(GOOD) },
    'face_003_aligned.csv': { sha256: hash(GOOD), bytes: Buffer.byteLength(GOOD) },
    'pocket_001_aligned.csv': { sha256: hash(GOOD), bytes: Buffer.byteLength(GOOD) },
  },
};

let server: Server;
let baseUrl = '';
const requests: string[] = [];
/** Answers 503 this many times before serving. */
let failuresLeft = 0;

describe('downloadDataset', () => {
  before(async () => {
    server = createServer((request, response) => {
      const name = (request.url ?? '').replace(/^\/data\//, '');
      requests.push(name);
      if (failuresLeft > 0) {
        failuresLeft -= 1;
        response.writeHead(503).end('busy');
        return;
      }
      const body = SERVED[name];
      if (body === undefined) response.writeHead(404).end('not found');
      else response.writeHead(200, { 'content-type': 'text/csv' }).end(body);
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/data/`;
  });
  after(() => new Promise<void>((done) => server.close(() => done())));
  beforeEach(() => {
    requests.length = 0;
    failuresLeft = 0;
  });

  it('downloads a good file, gzips it and reports progress', async () => {
    const { folder, cleanup } = await tempFolder();
    try {
      const events: DownloadEvent[] = [];
      const result = await downloadDataset({
        out: folder,
        baseUrl,
        manifest: MANIFEST,
        files: ['face_001'],
        onProgress: (event) => events.push(event),
      });
      assert.deepEqual(result, { downloaded: ['face_001_aligned.csv'], present: [] });
      const stored = gunzipSync(await readFile(join(folder, 'face_001_aligned.csv.gz'))).toString();
      assert.equal(stored, GOOD);
      assert.deepEqual(
        events.map((event) => [event.file, event.status, event.index, event.total]),
        [['face_001_aligned.csv', 'downloaded', 1, 1]],
      );
    } finally {
      await cleanup();
    }
  });

  it('refuses a file whose hash differs and writes nothing', async () => {
    const { folder, cleanup } = await tempFolder();
    try {
      await assert.rejects(
        downloadDataset({
          out: folder,
          baseUrl,
          manifest: MANIFEST,
          files: ['face_002_aligned.csv'],
        }),
        (error: unknown) => {
          assert.ok(isAdaptdError(error, 'DATA_HASH_MISMATCH'));
          assert.match(error.message, /face_002_aligned\.csv gave \d+ bytes with sha256/);
          return true;
        },
      );
      assert.deepEqual(await readdir(folder), []);
    } finally {
      await cleanup();
    }
  });

  it('reports a file the server does not have, without retrying', async () => {
    const { folder, cleanup } = await tempFolder();
    try {
      await assert.rejects(
        downloadDataset({
          out: folder,
          baseUrl,
          manifest: MANIFEST,
          files: ['pocket_001'],
          retryDelayMs: 1,
        }),
        (error: unknown) => isAdaptdError(error, 'DATA_NOT_FOUND') && /404/.test(error.message),
      );
      assert.deepEqual(requests, ['pocket_001_aligned.csv']);
      await assert.rejects(
        downloadDataset({ out: folder, baseUrl, manifest: MANIFEST, files: ['drill_001'] }),
        /drill_001 is not in the dataset manifest/,
      );
    } finally {
      await cleanup();
    }
  });

  it('retries a busy server with backoff', async () => {
    const { folder, cleanup } = await tempFolder();
    try {
      failuresLeft = 2;
      const events: DownloadEvent[] = [];
      await downloadDataset({
        out: folder,
        baseUrl,
        manifest: MANIFEST,
        files: ['face_003'],
        retryDelayMs: 1,
        onProgress: (event) => events.push(event),
      });
      assert.deepEqual(
        events.map((event) => event.status),
        ['retrying', 'retrying', 'downloaded'],
      );
      failuresLeft = 5;
      await assert.rejects(
        downloadDataset({
          out: folder,
          baseUrl,
          manifest: MANIFEST,
          files: ['face_001'],
          retryDelayMs: 1,
          attempts: 3,
        }),
        (error: unknown) => isAdaptdError(error, 'SERVICE_FAILED') && error.retriable,
      );
    } finally {
      await cleanup();
    }
  });

  it('resumes: keeps verified files, replaces damaged ones', async () => {
    const { folder, cleanup } = await tempFolder();
    try {
      await writeFile(join(folder, 'face_001_aligned.csv.gz'), gzipSync(GOOD));
      await writeFile(join(folder, 'face_003_aligned.csv.gz'), gzipSync(`${GOOD}tail`));
      const result = await downloadDataset({
        out: folder,
        baseUrl,
        manifest: MANIFEST,
        files: ['face_001', 'face_003'],
      });
      assert.deepEqual(result, {
        downloaded: ['face_003_aligned.csv'],
        present: ['face_001_aligned.csv'],
      });
      assert.deepEqual(requests, ['face_003_aligned.csv']);
      assert.equal(
        gunzipSync(await readFile(join(folder, 'face_003_aligned.csv.gz'))).toString(),
        GOOD,
      );
    } finally {
      await cleanup();
    }
  });

  it('ships a manifest of the 108 shared runs and the pinned source URL', () => {
    assert.equal(Object.keys(DATASET_MANIFEST.files).length, 108);
    assert.equal(
      DEFAULT_BASE_URL,
      'https://raw.githubusercontent.com/stephenseacuello/gcode_fingerprinting/' +
        '2945798f6805c7aafeb7a33236b759c23ebb8ab4/data/',
    );
  });
});
