import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AdaptationStateFile,
  INITIAL_STATE,
  adaptationDocument,
  parseAdaptationDocument,
  type AdaptationState,
} from '../../src/adaptation/adaptationState.js';
import { silentLogger } from '../../src/log.js';
import type { DamageReport } from '../../src/state/stateStore.js';

const FIRST: AdaptationState = {
  champion: 'a1',
  history: [null],
  labelFreeStreak: 1,
  frozen: false,
};
const SECOND: AdaptationState = {
  champion: 'a2',
  history: [null, 'a1'],
  labelFreeStreak: 0,
  frozen: true,
};

async function stateDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'adaptd-adaptation-state-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function stateFile(dir: string) {
  const damage: DamageReport[] = [];
  const file = new AdaptationStateFile({
    dir,
    logger: silentLogger,
    onDamage: (report) => damage.push(report),
  });
  return { file, damage };
}

/** Writes FIRST then SECOND: adaptation.json holds SECOND, the previous copy FIRST. */
async function writeTwo(dir: string): Promise<string> {
  const { file } = stateFile(dir);
  await file.load();
  await file.write(FIRST);
  await file.write(SECOND);
  return file.path;
}

/** Flips one bit of the byte at `index`. */
function flipBit(text: string, index: number, bit: number): string {
  const bytes = Buffer.from(text, 'utf8');
  bytes[index] = bytes[index]! ^ (1 << bit);
  return bytes.toString('latin1');
}

describe('adaptation state file', () => {
  it('seals the state with a checksum and reads the first format without one', () => {
    const text = adaptationDocument(SECOND);
    assert.deepEqual(parseAdaptationDocument(text), { ok: true, state: SECOND });
    const v1 = JSON.stringify({ format: 'adaptd-adaptation/1', ...FIRST });
    assert.deepEqual(parseAdaptationDocument(v1), { ok: true, state: FIRST }, 'v1 still read');
  });

  it('finds every one-bit flip of the document', () => {
    const text = adaptationDocument(SECOND);
    const reasons = new Map<string, number>();
    for (let index = 0; index < Buffer.byteLength(text); index += 1) {
      for (let bit = 0; bit < 8; bit += 1) {
        const parsed = parseAdaptationDocument(flipBit(text, index, bit));
        // A flip in white space outside strings leaves the same document, or one JSON reads alike.
        if (parsed.ok) {
          assert.deepEqual(parsed.state, SECOND, `flip at ${index}.${bit} read as another state`);
          continue;
        }
        reasons.set(parsed.reason, (reasons.get(parsed.reason) ?? 0) + 1);
      }
    }
    const found = JSON.stringify([...reasons]);
    assert.ok((reasons.get('checksum') ?? 0) > 0, `flips caught by the checksum: ${found}`);
    assert.ok((reasons.get('invalid') ?? 0) > 0, `flips caught as not JSON: ${found}`);
  });

  it('tells a cut-off, a non-JSON and a wrong-schema document apart', () => {
    const text = adaptationDocument(SECOND);
    const cases: Array<[string, string]> = [
      [text.slice(0, text.length / 2), 'truncated'],
      ['', 'truncated'],
      ['{champion: a2}', 'invalid'],
      [JSON.stringify({ format: 'adaptd-adaptation/2', champion: 5 }), 'invalid'],
      [text.replace('"a2"', '"../etc"'), 'invalid'],
      [text.replace('"frozen": true', '"frozen": false'), 'checksum'],
    ];
    for (const [damaged, reason] of cases) {
      const parsed = parseAdaptationDocument(damaged);
      assert.equal(parsed.ok ? 'ok' : parsed.reason, reason, `${JSON.stringify(damaged)}`);
    }
  });

  it('keeps the state before the latest change beside the current one', async (t) => {
    const dir = await stateDir(t);
    await writeTwo(dir);
    assert.equal(await readFile(join(dir, 'adaptation.json'), 'utf8'), adaptationDocument(SECOND));
    assert.equal(
      await readFile(join(dir, 'adaptation.previous.json'), 'utf8'),
      adaptationDocument(FIRST),
    );
    const { file, damage } = stateFile(dir);
    assert.deepEqual(await file.load(), { state: SECOND, from: 'current' });
    assert.deepEqual(damage, [], 'nothing damaged');
  });

  for (const [kind, damage] of [
    ['truncated', (text: string) => text.slice(0, 37)],
    ['unparseable', (text: string) => text.replace('{', '<')],
    ['of the wrong schema', () => JSON.stringify({ format: 'adaptd-adaptation/2' })],
    ['bit-flipped', (text: string) => text.replace('"a2"', '"a3"')],
  ] as const) {
    it(`sets a ${kind} adaptation.json aside, reports it and falls back to the previous copy`, async (t) => {
      const dir = await stateDir(t);
      const path = await writeTwo(dir);
      const damaged = damage(await readFile(path, 'utf8'));
      await writeFile(path, damaged);
      const { file, damage: reports } = stateFile(dir);
      assert.deepEqual(await file.load(), { state: FIRST, from: 'previous' });
      assert.equal(reports.length, 1, `one report: ${JSON.stringify(reports)}`);
      assert.equal(reports[0]!.generation, 'adaptation.json');
      const quarantined = await readdir(join(dir, 'quarantine'));
      assert.deepEqual(
        quarantined.map((name) => name.startsWith(`adaptation-${reports[0]!.reason}-`)),
        [true],
        `set aside under its reason: ${quarantined.join(', ')}`,
      );
      assert.equal(reports[0]!.quarantinedTo, join(dir, 'quarantine', quarantined[0]!));
      assert.equal(
        await readFile(reports[0]!.quarantinedTo, 'utf8'),
        damaged,
        'the damaged bytes are kept for a person to look at',
      );
      // The next change writes a good adaptation.json again; the good copy stays previous.
      await file.write({ ...FIRST, frozen: true });
      assert.deepEqual(await stateFile(dir).file.load(), {
        state: { ...FIRST, frozen: true },
        from: 'current',
      });
      assert.equal(
        await readFile(join(dir, 'adaptation.previous.json'), 'utf8'),
        adaptationDocument(FIRST),
      );
    });
  }

  it('falls back to the source model when both copies are damaged', async (t) => {
    const dir = await stateDir(t);
    const path = await writeTwo(dir);
    await writeFile(path, '');
    const previous = join(dir, 'adaptation.previous.json');
    await writeFile(previous, (await readFile(previous, 'utf8')).replace('"a1"', '"a9"'));
    const { file, damage } = stateFile(dir);
    assert.deepEqual(await file.load(), { state: INITIAL_STATE, from: 'initial' });
    assert.deepEqual(
      damage.map((d) => [d.generation, d.reason]),
      [
        ['adaptation.json', 'truncated'],
        ['adaptation.previous.json', 'checksum'],
      ],
    );
    assert.equal((await readdir(join(dir, 'quarantine'))).length, 2, 'both set aside');
  });

  it('removes the temporary files of an interrupted write', async (t) => {
    const dir = await stateDir(t);
    await writeTwo(dir);
    const temporary = join(dir, '.adaptation.json.0123456789ab.tmp');
    await writeFile(temporary, '{"format":');
    const { file } = stateFile(dir);
    assert.deepEqual(await file.load(), { state: SECOND, from: 'current' });
    assert.deepEqual(
      (await readdir(dir)).sort(),
      ['adaptation.json', 'adaptation.previous.json'],
      'only the two copies remain',
    );
  });
});
