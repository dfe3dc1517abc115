import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { Command } from 'commander';
import { connect as open } from 'mqtt';
import { Subject } from 'rxjs';
import { registerReplayCommand } from '../../src/cli/replayCommand.js';
import { silentLogger } from '../../src/log.js';
import { EmbeddedBroker } from '../../src/transports/embeddedBroker.js';
import { withDeadline } from '../support/deadline.js';
import { fixtureCsv, tempFolder, writeRun } from '../data/fixtures.js';
import { Collector } from '../transports/collector.js';

const START = '2026-01-05T08:00:00.000Z';

let folder = '';
let cleanup: () => Promise<void> = () => Promise.resolve();

/** Runs `adaptd replay <args>` in-process; returns what it wrote to stdout and stderr. */
async function replay(args: string[]): Promise<{ stdout: string; stderr: string }> {
  const program = new Command('adaptd')
    .exitOverride()
    .configureOutput({ writeErr: () => undefined });
  const out: string[] = [];
  const err: string[] = [];
  const sink = (into: string[]) =>
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        into.push(chunk.toString());
        done();
      },
    });
  registerReplayCommand(program, { stdout: sink(out), stderr: sink(err) });
  await program.parseAsync(['node', 'adaptd', 'replay', ...args]);
  return { stdout: out.join(''), stderr: err.join('') };
}

async function broker(t: TestContext): Promise<EmbeddedBroker> {
  const embedded = new EmbeddedBroker({ logger: silentLogger });
  t.after(() => embedded.stop());
  await embedded.start();
  return embedded;
}

describe('adaptd replay', () => {
  before(async () => {
    ({ folder, cleanup } = await tempFolder());
    await writeRun(folder, 'pocket_001', fixtureCsv({ rows: 40 }));
    await writeRun(folder, 'damagepocket_002', fixtureCsv({ rows: 25 }));
  });
  after(() => cleanup());

  it(
    'publishes every row and line change to the embedded broker, in order',
    { timeout: 30_000 },
    async (t) => {
      const embedded = await broker(t);
      const watcher = open(embedded.url, { protocolVersion: 4, reconnectPeriod: 0 });
      t.after(() => watcher.endAsync(true));
      await withDeadline(new Promise((r) => watcher.once('connect', r)), 5_000, 'CONNACK');
      const seen = new Subject<{ topic: string; body: Record<string, unknown> }>();
      const messages = new Collector(seen);
      watcher.on('message', (topic, payload) => {
        seen.next({ topic, body: JSON.parse(payload.toString('utf8')) as Record<string, unknown> });
      });
      await watcher.subscribeAsync('adaptd/mill-9/+', { qos: 1 });

      const { stdout, stderr } = await replay([
        ...['--data', folder, '--runs', 'pocket_001,damagepocket_002', '--speed', 'max'],
        ...['--batch-rows', '8', '--start', START, '--machine', 'mill-9'],
        ...['--mqtt-url', embedded.url, '--mqtt-protocol', '4'],
      ]);

      assert.match(
        stdout,
        /replayed 2 runs for mill-9: 65 samples in 9 sensor messages, 17 G-code/,
      );
      assert.match(stderr, /replaying pocket_001: 40 rows from 2026-01-05T08:00:00.000Z/);
      // 40 rows: 5 batches of 8; 25 rows: 3 of 8 and 1 of 1. Lines change every 4 rows.
      const all = await messages.first(9 + 17, 10_000, 'replayed messages');
      const sensors = all.filter((m) => m.topic === 'adaptd/mill-9/sensors');
      const times = sensors.flatMap((m) =>
        'samples' in m.body ? (m.body.samples as { ts: number }[]).map((s) => s.ts) : [m.body.ts],
      );
      assert.equal(times.length, 65);
      assert.deepEqual(
        times,
        [...times].sort((a, b) => Number(a) - Number(b)),
      );
      assert.equal(times[0], Date.parse(START));
      const lines = all.filter((m) => m.topic === 'adaptd/mill-9/gcode').map((m) => m.body.line);
      assert.deepEqual(lines, [
        ...Array.from({ length: 10 }, (_, i) => 20 + i),
        ...Array.from({ length: 7 }, (_, i) => 20 + i),
      ]);
    },
  );

  it('refuses unknown runs, a bad speed and a missing broker', async () => {
    await assert.rejects(
      replay(['--data', folder, '--runs', 'face_009', '--mqtt-url', 'mqtt://127.0.0.1:1']),
      /runs face_009 not in the data folder; it has damagepocket_002, pocket_001/,
    );
    await assert.rejects(replay(['--data', folder, '--speed', 'fast']), /'fast' is not a speed/);
    await assert.rejects(replay(['--data', folder]), /replay needs a broker: give --mqtt-url/);
  });
});
