import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAdaptationDocument } from '../../src/adaptation/adaptationState.js';
import { AdapterStore } from '../../src/adaptation/adapterStore.js';
import {
  readAdapterWeights,
  sameWeights,
  type AdapterWeights,
} from '../../src/adaptation/adapterWeights.js';
import { ServingAdapters } from '../../src/adaptation/servingAdapters.js';
import { isAdaptdError } from '../../src/errors.js';
import { loadModelBundle } from '../../src/model/modelBundle.js';
import type { SensorModel } from '../../src/model/sensorModel.js';
import type { DamageReport } from '../../src/state/stateStore.js';
import { flipFileBit } from '../support/damage.js';
import {
  adaptationBundle,
  restoredServing,
  shifted,
  storeVersions,
  VERSION_RECORD,
} from './adaptationFixture.js';

interface Bed {
  modelDir: string;
  stateDir: string;
  /** The source model's adapter values. */
  source: AdapterWeights;
  /** A fresh serving model and ServingAdapters on the state folder, as a restarted daemon. */
  open(): Promise<{ serving: ServingAdapters; model: SensorModel; damage: DamageReport[] }>;
}

async function bed(t: TestContext): Promise<Bed> {
  const bundle = await adaptationBundle();
  t.after(() => bundle.cleanup());
  const stateDir = await mkdtemp(join(tmpdir(), 'adaptd-serving-'));
  t.after(() => rm(stateDir, { recursive: true, force: true }));
  let source: AdapterWeights | undefined;
  const open = async () => {
    const { model } = await loadModelBundle(bundle.modelDir);
    t.after(() => model.dispose());
    source ??= readAdapterWeights(model);
    const damage: DamageReport[] = [];
    const serving = await restoredServing(model, stateDir, damage);
    return { serving, model, damage };
  };
  await open();
  return { modelDir: bundle.modelDir, stateDir, source: source!, open };
}

/** Flips one bit in a version's first weights file. */
async function flipBit(b: Bed, version: string): Promise<void> {
  await flipFileBit(join(b.stateDir, 'adapters', version, '0.bin'));
}

async function savedState(b: Bed) {
  const parsed = parseAdaptationDocument(
    await readFile(join(b.stateDir, 'adaptation.json'), 'utf8'),
  );
  assert.ok(parsed.ok, 'adaptation.json is whole');
  return parsed.state;
}

describe('ServingAdapters under damage', () => {
  it('falls back from a damaged champion to the newest earlier champion that verifies', async (t) => {
    const b = await bed(t);
    await storeVersions(b.modelDir, b.stateDir, 3);
    await flipBit(b, 'a3');
    await truncate(join(b.stateDir, 'adapters', 'a2', 'manifest.json'), 30);
    const { serving, model, damage } = await b.open();
    assert.equal(serving.state.champion, 'a1', 'a1 serves');
    assert.deepEqual(serving.state.history, [null], 'the damaged versions left the history');
    assert.ok(sameWeights(readAdapterWeights(model), shifted(b.source, 0.1)), 'a1 weights serve');
    assert.deepEqual(
      damage.map((d) => [d.generation, d.reason]),
      [
        ['adapters/a2', 'manifest'],
        ['adapters/a3', 'checksum'],
      ],
      'each damaged version reported once, with its reason',
    );
    const quarantined = (await readdir(join(b.stateDir, 'quarantine'))).sort();
    assert.ok(quarantined[0]?.startsWith('adapter-a2-manifest-'), quarantined.join(', '));
    assert.ok(quarantined[1]?.startsWith('adapter-a3-checksum-'), quarantined.join(', '));
    assert.deepEqual(
      await readdir(join(b.stateDir, 'adapters')),
      ['a1'],
      'only the good version stays',
    );
    assert.deepEqual(await savedState(b), serving.state, 'the state the fallback reached is saved');
    const next = await serving.promoteNew(shifted(b.source, 0.4), VERSION_RECORD);
    assert.equal(next, 'a4', 'a number set aside is never used again');
  });

  it('serves the source model when no champion in the history verifies', async (t) => {
    const b = await bed(t);
    await storeVersions(b.modelDir, b.stateDir, 2);
    await flipBit(b, 'a1');
    await rm(join(b.stateDir, 'adapters', 'a2'), { recursive: true });
    const { serving, model, damage } = await b.open();
    assert.equal(serving.state.champion, null, 'the source model serves');
    assert.ok(sameWeights(readAdapterWeights(model), b.source), 'source weights serve');
    assert.deepEqual(
      damage.map((d) => [d.generation, d.reason, d.quarantinedTo === undefined]),
      [
        ['adapters/a1', 'checksum', false],
        ['adapters/a2', 'missing', true],
      ],
      'a missing folder is reported with nothing to set aside',
    );
    assert.equal((await savedState(b)).champion, null, 'saved');
  });

  it('rolls back past an earlier champion whose folder fails verification', async (t) => {
    const b = await bed(t);
    await storeVersions(b.modelDir, b.stateDir, 3);
    const { serving, model, damage } = await b.open();
    await flipBit(b, 'a2');
    assert.deepEqual(await serving.rollBack(), { from: 'a3', to: 'a1' }, 'a2 skipped');
    assert.ok(sameWeights(readAdapterWeights(model), shifted(b.source, 0.1)), 'a1 weights serve');
    assert.deepEqual(
      damage.map((d) => [d.generation, d.reason]),
      [['adapters/a2', 'checksum']],
    );
    assert.deepEqual(await serving.rollBack(), { from: 'a1', to: null }, 'then the source');
  });

  it('refuses to promote a damaged stored version and keeps serving', async (t) => {
    const b = await bed(t);
    await storeVersions(b.modelDir, b.stateDir, 2);
    const { serving, model, damage } = await b.open();
    await serving.rollBack();
    await flipBit(b, 'a2');
    await assert.rejects(
      serving.promoteStored('a2'),
      (error: unknown) => isAdaptdError(error, 'STATE_CORRUPT') && /set aside/.test(error.message),
      'the promotion fails and says why',
    );
    assert.equal(serving.state.champion, 'a1', 'a1 still serves');
    assert.ok(sameWeights(readAdapterWeights(model), shifted(b.source, 0.1)), 'a1 weights serve');
    assert.deepEqual(
      damage.map((d) => d.generation),
      ['adapters/a2'],
    );
    await assert.rejects(
      serving.promoteStored('a2'),
      (error: unknown) => isAdaptdError(error, 'COMMAND_REJECTED'),
      'a version set aside is no longer stored',
    );
  });

  it('never lists a half-written or half-removed version and removes them at start', async (t) => {
    const b = await bed(t);
    await storeVersions(b.modelDir, b.stateDir, 2);
    const adapters = join(b.stateDir, 'adapters');
    // A save killed before its rename (a3) and a prune killed inside its removal (a1).
    await mkdir(join(adapters, 'a3.staging-0a1b2c3d4e5f'));
    await writeFile(join(adapters, 'a3.staging-0a1b2c3d4e5f', '0.bin'), 'partial');
    await mkdir(join(adapters, 'a1.removing-0a1b2c3d4e5f'));
    const store = new AdapterStore(adapters, b.stateDir);
    assert.deepEqual(await store.versions(), ['a1', 'a2'], 'leftovers are not versions');
    const { serving, damage } = await b.open();
    assert.deepEqual(await readdir(adapters), ['a1', 'a2'], 'leftovers removed at start');
    assert.equal(serving.state.champion, 'a2', 'the champion serves');
    assert.deepEqual(damage, [], 'leftovers of a crash are not damage');
    assert.equal(await serving.promoteNew(shifted(b.source, 0.3), VERSION_RECORD), 'a3');
  });

  it('restores from the previous copy when adaptation.json is damaged', async (t) => {
    const b = await bed(t);
    await storeVersions(b.modelDir, b.stateDir, 2);
    await writeFile(join(b.stateDir, 'adaptation.json'), '{"format": "adaptd-ada');
    const { serving, model, damage } = await b.open();
    assert.equal(serving.state.champion, 'a1', 'the state before the last promotion');
    assert.ok(sameWeights(readAdapterWeights(model), shifted(b.source, 0.1)), 'a1 weights serve');
    assert.deepEqual(
      damage.map((d) => [d.generation, d.reason]),
      [['adaptation.json', 'truncated']],
    );
    assert.deepEqual(await savedState(b), serving.state, 'adaptation.json written again');
  });
});
