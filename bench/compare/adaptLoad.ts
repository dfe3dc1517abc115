/**
 * A stand-in for the adaptation engine's training process while the daemon benchmarks run:
 * loads the committed model and a buffer of real windows, prints `ready`, then runs
 * adaptation rounds (bench/compare/adaptRound.ts, 20 steps each) back to back until killed,
 * printing `round <ms>` after each (see adaptLoadProcess.ts for its niceness).
 * Run (by the benches): node --import tsx bench/compare/adaptLoad.ts [model dir]
 */
import { silentLogger } from '../../src/log.js';
import { selectBackend } from '../../src/model/backend/selectBackend.js';
import { loadModelBundle } from '../../src/model/modelBundle.js';
import { realWindows, windowBuffer } from '../support/benchSupport.js';
import { adaptRound } from './adaptRound.js';

await selectBackend({ prefer: 'wasm', logger: silentLogger });
const bundle = await loadModelBundle(process.argv[2] ?? 'models/s1-standard');
const source = windowBuffer(
  await realWindows(bundle, 256, { groups: ['pocket', 'face', 'adaptive'] }),
  256,
);
const target = windowBuffer(
  await realWindows(bundle, 256, { groups: ['pocket150025', 'face150025', 'adaptive150025'] }),
  256,
);
console.log('ready');
for (let seed = 1; ; seed += 1) {
  const started = performance.now();
  await adaptRound(bundle.model, {
    source,
    target,
    head: 'operation',
    steps: 20,
    batchSize: 32,
    learningRate: 1e-3,
    seed,
  });
  console.log(`round ${Math.round(performance.now() - started)}`);
}
