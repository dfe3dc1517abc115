import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { Command } from 'commander';
import { registerDataCommand } from '../../src/cli/dataCommand.js';
import { fixtureCsv, tempFolder, writeRun } from '../data/fixtures.js';

let folder = '';
let cleanup: () => Promise<void> = () => Promise.resolve();

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
  registerDataCommand(program, { stdout: sink(chunks), stderr: sink([]) });
  await program.parseAsync(['node', 'adaptd', ...args]);
  return chunks.join('');
}

describe('adaptd data', () => {
  before(async () => {
    ({ folder, cleanup } = await tempFolder());
    await writeRun(folder, 'pocket_001', fixtureCsv({ rows: 96 }));
  });
  after(() => cleanup());

  it('prints the summary as JSON or as tables', async () => {
    const json = JSON.parse(
      await run(['data', 'summary', '--data', folder, '--seed', '5', '--json']),
    ) as {
      runs: number;
      seed: number;
      windows: number;
    };
    assert.deepEqual([json.runs, json.seed, json.windows], [1, 5, 3]);
    assert.match(await run(['data', 'summary', '--data', folder]), /^data folder /);
  });

  it('refuses a bad seed and a missing --out', async () => {
    await assert.rejects(
      run(['data', 'summary', '--data', folder, '--seed', '-1']),
      /not a non-negative integer/,
    );
    await assert.rejects(run(['data', 'download']), /--out <folder>/);
  });
});
