import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/log.js';
import { OffsetStore, offsetsDocument, parseOffsets } from '../../src/state/offsetStore.js';
import type { DamageReport } from '../../src/state/stateStore.js';

async function stateDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'adaptd-offsets-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe('OffsetStore', () => {
  it('saves the highest processed offset per partition and reads it back', async (t) => {
    const dir = await stateDir(t);
    const first = new OffsetStore({ dir, logger: silentLogger });
    await first.load();
    await first.save([
      { topic: 'adaptd.sensors', partition: 0, offset: '41' },
      { topic: 'adaptd.sensors', partition: 1, offset: '7' },
    ]);
    // An older position never moves it back.
    await first.save([{ topic: 'adaptd.sensors', partition: 0, offset: '12' }]);
    await first.save([{ topic: 'adaptd.sensors', partition: 0, offset: '9007199254740993' }]);
    const second = new OffsetStore({ dir, logger: silentLogger });
    await second.load();
    assert.equal(second.processed('adaptd.sensors', 0), 9007199254740993n);
    assert.equal(second.processed('adaptd.sensors', 1), 7n);
    assert.equal(second.processed('adaptd.gcode', 0), undefined);
  });

  it('sets a damaged file aside, reports it and uses the fallback', async (t) => {
    const dir = await stateDir(t);
    const text = offsetsDocument(new Map([['adaptd.sensors/0', 41n]]));
    await writeFile(join(dir, 'offsets.json'), text.replace('"41"', '"99"'));
    const damage: DamageReport[] = [];
    const store = new OffsetStore({ dir, logger: silentLogger, onDamage: (d) => damage.push(d) });
    const loaded = await store.load(new Map([['adaptd.sensors/0', 30n]]));
    assert.equal(loaded.get('adaptd.sensors/0'), 30n);
    assert.equal(damage.length, 1);
    assert.match(damage[0]!.detail, /checksum/);
    const quarantined = await readdir(join(dir, 'quarantine'));
    assert.equal(quarantined.length, 1);
    assert.equal(
      await readFile(join(dir, 'quarantine', quarantined[0]!), 'utf8'),
      text.replace('"41"', '"99"'),
    );
  });

  it('refuses truncated, edited and malformed documents', () => {
    const text = offsetsDocument(new Map([['t/0', 5n]]));
    assert.ok(parseOffsets(text).ok, 'the document parses');
    assert.equal(parseOffsets(text.slice(0, -20)).ok, false);
    assert.equal(parseOffsets(text.replace('t/0', 't/1')).ok, false);
    assert.equal(
      parseOffsets('{"format":"adaptd-offsets/1","offsets":{"t/0":"-1"},"checksum":"00"}').ok,
      false,
    );
  });
});
