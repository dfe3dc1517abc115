/**
 * The long version of the kill -9 test (test/state/stateKill.test.ts): kills a state writer
 * many times at random moments and checks every reload.
 *
 *   nice -n 10 npx tsx bench/state/killLoop.ts --kills 200 --max-ms 600 [--seed 1]
 *
 * Prints one JSON line: kills, generations written, reloads that found a generation the
 * writer had finished but not yet reported, kills before the first write, damage found and
 * problems (both must be empty).
 */
import { Command } from 'commander';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRandom } from '../../src/util/random.js';
import { killLoop } from '../../test/state/killLoop.js';

const options = new Command()
  .option('--kills <n>', 'kills', '200')
  .option('--max-ms <ms>', 'longest run before a kill, after the writer is ready', '600')
  .option('--seed <n>', 'seed of the kill moments', '1')
  .parse()
  .opts<{ kills: string; maxMs: string; seed: string }>();

const dir = await mkdtemp(join(tmpdir(), 'adaptd-kill-bench-'));
const started = Date.now();
try {
  const result = await killLoop(
    dir,
    Number(options.kills),
    Number(options.maxMs),
    seededRandom(Number(options.seed)),
  );
  const seconds = (Date.now() - started) / 1000;
  process.stdout.write(`${JSON.stringify({ ...result, damage: result.damage.length, seconds })}\n`);
  process.exitCode = result.problems.length === 0 && result.damage.length === 0 ? 0 : 1;
} finally {
  await rm(dir, { recursive: true, force: true });
}
