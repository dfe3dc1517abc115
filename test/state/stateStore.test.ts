import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/log.js';
import { StateStore, type DamageReport } from '../../src/state/stateStore.js';

async function stateDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'adaptd-state-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function store(dir: string, keep = 3) {
  const damage: DamageReport[] = [];
  const state = new StateStore({
    dir,
    keep,
    logger: silentLogger,
    onDamage: (report) => damage.push(report),
  });
  return { state, damage };
}

/** Files of generation n: text and bytes that say which generation they belong to. */
function filesOf(n: number): Record<string, Uint8Array | string> {
  return {
    'serving.json': JSON.stringify({ adapterVersion: `a${n}`, frozen: n % 2 === 0 }),
    'prototypes.bin': new Uint8Array(new Float32Array([n, n + 0.5, -n]).buffer),
  };
}

async function writeGenerations(dir: string, count: number, keep = 3): Promise<string[]> {
  const { state } = store(dir, keep);
  await state.open();
  const paths: string[] = [];
  for (let n = 1; n <= count; n += 1) paths.push((await state.write(filesOf(n), { n })).path);
  return paths;
}

describe('StateStore', () => {
  it('starts empty, then restores exactly what was written', async (t) => {
    const dir = await stateDir(t);
    const { state } = store(dir);
    assert.equal(await state.open(), undefined);
    await state.write(filesOf(1), { adapters: 1 });
    const again = await store(dir).state.open();
    assert.ok(again !== undefined, 'a generation is found');
    assert.equal(again.generation, 1);
    assert.deepEqual(again.meta, { adapters: 1 });
    assert.equal(again.files.get('serving.json')?.toString('utf8'), filesOf(1)['serving.json']);
    const floats = new Float32Array(new Uint8Array(again.files.get('prototypes.bin')!).buffer);
    assert.deepEqual([...floats], [1, 1.5, -1]);
  });

  it('keeps the newest generations only, numbered on from the last', async (t) => {
    const dir = await stateDir(t);
    await writeGenerations(dir, 5, 2);
    assert.deepEqual(await readdir(join(dir, 'generations')), ['g000000000004', 'g000000000005']);
    const { state } = store(dir, 2);
    assert.equal((await state.open())?.generation, 5);
    assert.equal((await state.write(filesOf(6))).generation, 6);
  });

  const damages: Array<[string, (path: string) => Promise<void>, DamageReport['reason']]> = [
    [
      'a flipped byte',
      async (path) => {
        const file = join(path, 'prototypes.bin');
        const data = await readFile(file);
        data[3] = data[3]! ^ 0x10;
        await writeFile(file, data);
      },
      'checksum',
    ],
    ['a truncated file', (path) => truncate(join(path, 'serving.json'), 5), 'truncated'],
    ['a missing file', (path) => rm(join(path, 'serving.json')), 'missing'],
    ['a truncated manifest', (path) => truncate(join(path, 'manifest.json'), 40), 'manifest'],
    [
      'an edited manifest',
      async (path) => {
        const file = join(path, 'manifest.json');
        const text = (await readFile(file, 'utf8')).replace('"n": 3', '"n": 4');
        await writeFile(file, text);
      },
      'manifest',
    ],
    ['a file added', (path) => writeFile(join(path, 'extra.json'), '{}'), 'unexpected'],
  ];

  for (const [what, damage, reason] of damages) {
    it(`sets aside a generation with ${what} and falls back to the one before`, async (t) => {
      const dir = await stateDir(t);
      const paths = await writeGenerations(dir, 3);
      await damage(paths[2]!);
      const { state, damage: reports } = store(dir);
      const loaded = await state.open();
      assert.equal(loaded?.generation, 2, 'the previous generation serves');
      assert.equal(loaded?.files.get('serving.json')?.toString('utf8'), filesOf(2)['serving.json']);
      assert.equal(reports.length, 1, 'one report');
      assert.equal(reports[0]?.reason, reason);
      assert.deepEqual(await readdir(join(dir, 'generations')), ['g000000000001', 'g000000000002']);
      const quarantined = await readdir(join(dir, 'quarantine'));
      assert.equal(quarantined.length, 1);
      assert.ok(quarantined[0]?.startsWith(`g000000000003-${reason}-`), quarantined[0]);
      // The number is not reused: the next write is generation 4.
      assert.equal((await state.write(filesOf(4))).generation, 4);
    });
  }

  it('falls back to nothing (the source model) when every generation is damaged', async (t) => {
    const dir = await stateDir(t);
    const paths = await writeGenerations(dir, 2);
    for (const path of paths) await truncate(join(path, 'prototypes.bin'), 1);
    const { state, damage } = store(dir);
    assert.equal(await state.open(), undefined);
    assert.deepEqual(
      damage.map((d) => d.reason),
      ['truncated', 'truncated'],
    );
  });

  it('removes a half-written staging folder left by a crash', async (t) => {
    const dir = await stateDir(t);
    await writeGenerations(dir, 1);
    const staging = join(dir, 'generations', '.staging-g000000000002');
    await mkdir(staging);
    await writeFile(join(staging, 'serving.json'), '{"adapterVer');
    const { state, damage } = store(dir);
    assert.equal((await state.open())?.generation, 1);
    assert.deepEqual(damage, [], 'a staging folder is not damage');
    assert.deepEqual(await readdir(join(dir, 'generations')), ['g000000000001']);
  });

  it('refuses file names that would leave the generation folder', async (t) => {
    const { state } = store(await stateDir(t));
    await state.open();
    for (const name of ['../x', 'manifest.json', '.hidden', 'a/b']) {
      await assert.rejects(state.write({ [name]: 'x' }), /not allowed/, name);
    }
  });
});
