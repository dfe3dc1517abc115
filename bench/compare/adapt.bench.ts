/**
 * One adaptation round on the committed model against the PyTorch peer: a fixed buffer of
 * labelled source windows (standard programs) and unlabelled target windows (the 150025
 * programs), a fixed number of steps, 32 windows per domain a step, adapters and the
 * operation head trainable, source cross-entropy + MMD^2 + DANN (src/strategies/alignment,
 * bench/peer/sensor_model.py). TFJS and each peer alternate in every repeat; wall and process
 * CPU seconds of the round (the copy of the model is made before the clock starts).
 * Run: npm run bench:adapt [-- --steps 20 --repeats 3 --buffer 256]
 * Writes bench/results/adapt/adapt.{json,md}.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { silentLogger } from '../../src/log.js';
import { selectBackend } from '../../src/model/backend/selectBackend.js';
import { loadModelBundle } from '../../src/model/modelBundle.js';
import { exportForPeer } from '../peer/exportForPeer.js';
import { peerUnavailable, startPeer, type PeerBlas, type PeerTiming } from '../peer/peerProcess.js';
import {
  fixed,
  machineInfo,
  median,
  realWindows,
  windowBuffer,
  writeResults,
  type Timing,
} from '../support/benchSupport.js';
import { adaptRound } from './adaptRound.js';
import { checkPeer } from './peerCheck.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'models/s1-standard' },
    repeats: { type: 'string', default: '3' },
    steps: { type: 'string', default: '20' },
    buffer: { type: 'string', default: '256' },
    peers: { type: 'string', default: 'openblas,reference' },
  },
});
const unavailable = peerUnavailable();
if (unavailable !== undefined) throw new Error(unavailable);
const machine = await machineInfo();
const backend = await selectBackend({ prefer: 'wasm', logger: silentLogger });
const bundle = await loadModelBundle(values.model);
const buffer = Number(values.buffer);
const source = windowBuffer(
  await realWindows(bundle, buffer, { groups: ['pocket', 'face', 'adaptive'] }),
  buffer,
);
const target = windowBuffer(
  await realWindows(bundle, buffer, { groups: ['pocket150025', 'face150025', 'adaptive150025'] }),
  buffer,
);
const all = (set: typeof source) => Array.from({ length: set.count }, (_, i) => i);
const dir = await mkdtemp(join(tmpdir(), 'adaptd-bench-adapt-'));
await exportForPeer(
  bundle.model,
  dir,
  { windows: source, indices: all(source).slice(0, 32) },
  {
    source: { windows: source, indices: all(source), labels: ['operation'] },
    target: { windows: target, indices: all(target) },
  },
);
const peers = [];
for (const blas of values.peers.split(',') as PeerBlas[]) peers.push(await startPeer(dir, blas));
const checks = [];
for (const p of peers) checks.push(await checkPeer(p));

const round = {
  source,
  target,
  head: 'operation',
  steps: Number(values.steps),
  batchSize: 32,
  learningRate: 1e-3,
  seed: 1,
};
const peerRequest = {
  cmd: 'adapt',
  source: 'source',
  target: 'target',
  head: round.head,
  steps: round.steps,
  batch: round.batchSize,
  learningRate: round.learningRate,
  seed: round.seed,
};

/** One TFJS round, timed from after the copy of the model. */
async function tfjsRound(steps: number): Promise<Timing & { losses: number[] }> {
  let wall = 0;
  let cpu = process.cpuUsage();
  const losses = await adaptRound(bundle.model, { ...round, steps }, () => {
    wall = performance.now();
    cpu = process.cpuUsage();
  });
  const used = process.cpuUsage(cpu);
  return { wall: (performance.now() - wall) / 1000, cpu: (used.user + used.system) / 1e6, losses };
}

interface PeerRound extends PeerTiming {
  firstLoss: number;
  lastLoss: number;
}

const tensorsBefore = tf.memory().numTensors;
await tfjsRound(2);
for (const p of peers) await p.request({ ...peerRequest, steps: 2 });
const ours: (Timing & { losses: number[] })[] = [];
const theirs: PeerRound[][] = peers.map(() => []);
for (let r = 0; r < Number(values.repeats); r += 1) {
  ours.push(await tfjsRound(round.steps));
  for (const [i, p] of peers.entries()) theirs[i]!.push(await p.request<PeerRound>(peerRequest));
  console.error(
    JSON.stringify({ tfjs: ours.at(-1)!.wall, peers: theirs.map((t) => t.at(-1)!.wall) }),
  );
}
const tensorsAfter = tf.memory().numTensors;
for (const p of peers) await p.stop();
await rm(dir, { recursive: true, force: true });

const tfjs = {
  wall: median(ours.map((o) => o.wall)),
  cpu: median(ours.map((o) => o.cpu)),
  firstLoss: ours[0]!.losses[0]!,
  lastLoss: ours[0]!.losses.at(-1)!,
};
const peerRows = peers.map((p, i) => ({
  blas: p.blas,
  library: p.blasLibrary,
  wall: median(theirs[i]!.map((t) => t.wall)),
  cpu: median(theirs[i]!.map((t) => t.cpu)),
  firstLoss: theirs[i]![0]!.firstLoss,
  lastLoss: theirs[i]![0]!.lastLoss,
  // TFJS time over the peer's, per alternated repeat, then the median: 1.5 is the target.
  ratioWall: median(ours.map((o, r) => o.wall / theirs[i]![r]!.wall)),
  ratioCpu: median(ours.map((o, r) => o.cpu / theirs[i]![r]!.cpu)),
}));
const md = [
  `Model ${values.model}; buffer ${source.count} labelled source windows (spread over the ` +
    `standard programs' runs) and ${target.count} unlabelled target windows (the 150025 ` +
    `programs' runs); ` +
    `${round.steps} steps of ${round.batchSize} + ${round.batchSize} windows; adapters and the ` +
    `operation head train on cross-entropy + MMD^2 + DANN (lambda ramped); Adam 1e-3, domain ` +
    `classifier 1e-2; backend ${backend.name} with kernel overrides; PyTorch ${peers[0]?.torch} on ` +
    `one thread; median of ${values.repeats} alternated repeats. Peer forward equal to TFJS ` +
    `within ${Math.max(...checks.map((c) => c.worst)).toExponential(1)}.`,
  '',
  '| side | round wall s | round CPU s | ms per step (wall) | TFJS / side (wall) | TFJS / side (CPU) | loss first -> last |',
  '| --- | --- | --- | --- | --- | --- | --- |',
  `| TFJS (adaptd) | ${fixed(tfjs.wall, 2)} | ${fixed(tfjs.cpu, 2)} | ` +
    `${fixed((tfjs.wall * 1000) / round.steps, 0)} | 1 | 1 | ${fixed(tfjs.firstLoss, 3)} -> ` +
    `${fixed(tfjs.lastLoss, 3)} |`,
  ...peerRows.map(
    (p) =>
      `| PyTorch/${p.blas} | ${fixed(p.wall, 2)} | ${fixed(p.cpu, 2)} | ` +
      `${fixed((p.wall * 1000) / round.steps, 0)} | ${fixed(p.ratioWall, 2)} | ` +
      `${fixed(p.ratioCpu, 2)} | ${fixed(p.firstLoss, 3)} -> ${fixed(p.lastLoss, 3)} |`,
  ),
  '',
  `TFJS tensors before and after the rounds: ${tensorsBefore}, ${tensorsAfter}. The two sides ` +
    `draw their batches with different generators, so losses agree in size, not digit for digit.`,
];
await writeResults(
  'adapt',
  machine,
  {
    model: values.model,
    backend: backend.name,
    buffer: { source: source.count, target: target.count },
    steps: round.steps,
    batchSize: round.batchSize,
    repeats: Number(values.repeats),
    checks,
    tfjs,
    peers: peerRows,
    tensorsBefore,
    tensorsAfter,
  },
  md,
);
bundle.model.dispose();
