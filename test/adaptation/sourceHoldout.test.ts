import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import {
  SOURCE_HOLDOUT_DOCUMENT,
  evenlySpaced,
  loadSourceHoldout,
  packSourceHoldout,
  sourceHoldoutDocument,
} from '../../src/adaptation/sourceHoldout.js';
import { toSnapshot } from '../../src/adaptation/windowSnapshot.js';
import { CONTEXT_SIZE } from '../../src/data/controllerContext.js';
import { defaultDataDir } from '../../src/data/runCatalog.js';
import { isAdaptdError } from '../../src/errors.js';
import { loadModelBundle } from '../../src/model/modelBundle.js';
import { syntheticWindows } from '../support/syntheticWindows.js';
import { NORMALISER, SCHEMA } from '../windows/fixtures.js';

const LENGTH = 16;
const CHANNELS = SCHEMA.channels.length;
const bundleOf = (documents: Record<string, unknown>) => ({
  documents,
  schema: SCHEMA,
  normaliser: NORMALISER,
  window: { length: LENGTH, stride: 8 },
});

describe('source holdout shipped with a model', () => {
  it('round-trips compressed windows exactly and still reads uncompressed ones', async () => {
    const windows = syntheticWindows(40, LENGTH, CHANNELS, CONTEXT_SIZE, 3);
    const indices = evenlySpaced(windows.count, 25);
    const expected = toSnapshot(windows, indices);
    const document = sourceHoldoutDocument(windows, indices, ['synthetic']);
    assert.equal(document.compression, 'gzip', 'arrays are stored compressed');
    const raw = Buffer.byteLength(JSON.stringify({ x: Buffer.from(expected.x.buffer) }));
    assert.ok(
      Buffer.byteLength(document.x) < raw,
      `compressed values (${Buffer.byteLength(document.x)} bytes) smaller than raw (${raw})`,
    );
    const { holdout, origin } = await loadSourceHoldout(
      bundleOf({ [SOURCE_HOLDOUT_DOCUMENT]: document }),
      '',
      512,
    );
    assert.equal(origin, 'artifact', 'read from the artifact');
    assert.deepEqual(holdout, expected, 'every array comes back bit for bit');

    // A document written before compression: the same arrays, plain base64.
    const plain = (text: string) => gunzipSync(Buffer.from(text, 'base64')).toString('base64');
    const legacy = {
      ...document,
      compression: undefined,
      x: plain(document.x),
      mask: plain(document.mask),
      context: plain(document.context),
      labels: Object.fromEntries(
        Object.entries(document.labels).map(([head, text]) => [head, plain(text)]),
      ),
    };
    const old = await loadSourceHoldout(bundleOf({ [SOURCE_HOLDOUT_DOCUMENT]: legacy }), '', 512);
    assert.deepEqual(old.holdout, expected, 'an uncompressed holdout reads the same');
  });

  it('spaces the kept windows evenly from the first', () => {
    assert.deepEqual(evenlySpaced(10, 4), [0, 2, 5, 7], 'four of ten');
    assert.deepEqual(evenlySpaced(3, 512), [0, 1, 2], 'all when fewer than the limit');
    assert.deepEqual(evenlySpaced(0, 5), [], 'none of none');
  });

  it('refuses to pack a holdout for an artifact that names no source validation runs', async () => {
    await assert.rejects(
      packSourceHoldout(bundleOf({}), defaultDataDir(), 64),
      (error: unknown) => isAdaptdError(error) && error.code === 'MODEL_INVALID',
      'MODEL_INVALID without split.json',
    );
  });

  it('the committed model ships the holdout that `adaptd model holdout` packs from its held-out runs', async () => {
    const bundle = await loadModelBundle('models/s1-standard');
    try {
      const shipped = bundle.documents[SOURCE_HOLDOUT_DOCUMENT] as { runs: string[] };
      assert.ok(shipped !== undefined, 'models/s1-standard ships source-holdout.json');
      const split = bundle.documents['split.json'] as { sourceVal: string[] };
      assert.deepEqual(
        [...shipped.runs].sort(),
        [...split.sourceVal].sort(),
        'cut from the source validation runs the model never fitted',
      );
      const { holdout, origin } = await loadSourceHoldout(bundle, '', 512);
      assert.equal(origin, 'artifact', 'no data folder needed');
      const operations = new Set(holdout!.labels['operation']);
      assert.equal(operations.size, 3, 'every operation is in the holdout');
      const packed = await packSourceHoldout(bundle, defaultDataDir(), 512);
      assert.deepEqual(packed, shipped, 'packing the recorded runs again gives the shipped one');
    } finally {
      bundle.model.dispose();
    }
  });
});
