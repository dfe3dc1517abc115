import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { Command } from 'commander';
import { registerDriftCommand } from '../../src/cli/driftCommand.js';
import { driftFixture, FIXTURE_RUNS, type DriftFixture } from '../drift/driftFixture.js';

/** Runs `adaptd <args>` in-process and returns what it wrote to stdout. */
async function run(args: string[]): Promise<string> {
  const program = new Command('adaptd')
    .exitOverride()
    .configureOutput({ writeErr: () => undefined });
  const chunks: string[] = [];
  const sink = (into: string[]) =>
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        into.push(chunk.toString());
        done();
      },
    });
  registerDriftCommand(program, { stdout: sink(chunks), stderr: sink([]) });
  await program.parseAsync(['node', 'adaptd', ...args]);
  return chunks.join('');
}

interface ReplayJson {
  ert: number;
  window: number;
  runs: { id: string; windows: number }[];
  steps: number;
  alarms: { run: string; explained?: string }[];
}

describe('adaptd drift', () => {
  let fixture: DriftFixture;
  before(async () => (fixture = await driftFixture()));
  after(() => fixture.cleanup());

  it('calibrates an artifact, then replays held-out runs and groups through it', async () => {
    const common = ['--model', fixture.modelDir, '--data', fixture.dataDir, '--backend', 'cpu'];
    const printed = await run([
      'drift',
      'calibrate',
      ...common,
      '--runs',
      FIXTURE_RUNS.join(','),
      '--ert',
      '50,10',
      '--window',
      '4',
      '--streams',
      '500',
    ]);
    assert.match(printed, /^reference: 42 windows of /, 'reference summary');
    assert.match(printed, /ERT 50: threshold -?[\d.e-]+; shipped \d+ false alarms in \d+ windows/);
    assert.match(printed, /ERT 10: threshold /, 'second level');
    const replay = JSON.parse(
      await run(['drift', 'replay', ...common, '--runs', 'held-out,face', '--ert', '10', '--json']),
    ) as ReplayJson;
    assert.equal(replay.ert, 10, 'level chosen');
    assert.equal(replay.window, 4, 'calibrated window');
    const ids = replay.runs.map((r) => r.id);
    assert.equal(
      ids.length,
      5,
      `3 held-out runs and the face runs not among them: ${ids.join(', ')}`,
    );
    assert.equal(replay.steps, 5 * 14, 'every window replayed');
    const text = await run(['drift', 'replay', ...common, '--runs', 'face_001', '--domain']);
    assert.match(text, /face_001: 14 windows, alarms at .*domain AUROC [\d.]+/, 'domain score');
  });

  it('refuses an ERT list with a bad item', async () => {
    await assert.rejects(
      run(['drift', 'calibrate', '--model', fixture.modelDir, '--ert', '100,x']),
      /not a non-negative integer/,
    );
  });
});
