import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readArrayFolder, writeArrayFolder } from '../../src/adaptation/arrayFolder.js';
import { isAdaptdError } from '../../src/errors.js';

describe('array folders', () => {
  it('round-trips typed arrays and meta, and refuses a changed byte', async (t) => {
    const root = await mkdtemp(join(tmpdir(), 'adaptd-arrays-'));
    t.after(() => rm(root, { recursive: true, force: true }));
    const dir = join(root, 'a');
    // A view into a larger buffer at an odd offset: written without its neighbours.
    const backing = new Float32Array(2_000_003).map((_, i) => i * 0.5);
    const x = backing.subarray(1, 2_000_001);
    const labels = Int32Array.from([3, -1, 2]);
    await writeArrayFolder(dir, { x, labels }, { version: 'a7' });
    const { arrays, manifest } = await readArrayFolder(dir);
    assert.deepEqual(arrays['x'], x, 'float values back exactly');
    assert.deepEqual(arrays['labels'], labels, 'int values back exactly');
    assert.equal(manifest.meta['version'], 'a7', 'meta back');
    const file = join(dir, '1.bin');
    const bytes = await readFile(file);
    bytes[0] = bytes[0]! ^ 1;
    await writeFile(file, bytes);
    await assert.rejects(
      readArrayFolder(dir),
      (error: unknown) => isAdaptdError(error, 'STATE_CORRUPT') && /sha256/.test(error.message),
      'a flipped bit is found',
    );
  });
});
