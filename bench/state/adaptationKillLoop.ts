/**
 * The long version of the kill-during-adaptation test
 * (test/service/daemon.adaptationKill.integration.test.ts): runs `adaptd run` over a private
 * mosquitto (or BENCH_MQTT_URL) with adaptation runs back to back, kills it with SIGKILL
 * --kills times while it trains, scores and promotes, and checks every restart.
 *
 *   nice -n 10 npx tsx bench/state/adaptationKillLoop.ts --kills 20 [--seed 1]
 *
 * Prints one line per kill on stderr and one JSON line on stdout: kills by phase, promotion
 * kills by how far the promotion had got on disk, promotions, the versions and champion at the
 * end, and problems (must be empty; the exit code is 1 otherwise).
 */
import { Command } from 'commander';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRandom } from '../../src/util/random.js';
import { adaptationBundle } from '../../test/adaptation/adaptationFixture.js';
import { adaptationKillLoop } from '../../test/service/adaptationKill.js';
import { benchBroker } from '../support/mosquitto.js';

const options = new Command()
  .option('--kills <n>', 'kills', '20')
  .option('--seed <n>', 'seed of the kill moments', '1')
  .parse()
  .opts<{ kills: string; seed: string }>();

const broker = await benchBroker();
const bundle = await adaptationBundle();
const stateDir = await mkdtemp(join(tmpdir(), 'adaptd-adaptation-kill-bench-'));
const started = Date.now();
try {
  const result = await adaptationKillLoop({
    mqttUrl: broker.url,
    modelDir: bundle.modelDir,
    stateDir,
    kills: Number(options.kills),
    random: seededRandom(Number(options.seed)),
    onKill: (kill, index) => process.stderr.write(`kill ${index + 1}: ${JSON.stringify(kill)}\n`),
  });
  const { phases, steps, promotions, phaseMs, versions, champion, problems } = result;
  const longest = (key: 'readyMs' | 'restartMs') => Math.max(...result.kills.map((k) => k[key]));
  const seconds = (Date.now() - started) / 1000;
  const summary = {
    kills: result.kills.length,
    phases,
    steps,
    promotions,
    phaseMs,
    versions,
    champion,
    readyMsMax: longest('readyMs'),
    restartMsMax: longest('restartMs'),
    problems,
    seconds,
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  process.exitCode = problems.length === 0 ? 0 : 1;
} finally {
  await rm(stateDir, { recursive: true, force: true });
  await bundle.cleanup();
  await broker.stop();
}
