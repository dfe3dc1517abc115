/**
 * Encoder throughput of the committed model on the WebAssembly backend (with adaptd's kernel
 * overrides) against the PyTorch peer (bench/peer, one thread) on the same real windows and
 * the same weights, alternating the two in every repeat: windows per second at batch 1 and
 * 32, the embedding alone and with every head. Before timing, the peer's outputs are checked
 * equal to TFJS's. The ceiling is the matrix-multiply rate each side measures on the model's
 * own product shapes (and on a large square product), divided by the encoder's floating-point
 * operations per window.
 * Run: npm run bench:encoder [-- --repeats 5 --windows 512]
 * Writes bench/results/encoder/encoder.{json,md}.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { silentLogger } from '../../src/log.js';
import { selectBackend } from '../../src/model/backend/selectBackend.js';
import { loadModelBundle } from '../../src/model/modelBundle.js';
import type { SensorModel } from '../../src/model/sensorModel.js';
import { disposeInputs, windowBatch } from '../../src/model/training/windowBatch.js';
import type { LabelledWindows } from '../../src/model/training/windowBatch.js';
import { exportForPeer } from '../peer/exportForPeer.js';
import {
  peerUnavailable,
  startPeer,
  type Peer,
  type PeerBlas,
  type PeerTiming,
} from '../peer/peerProcess.js';
import {
  fixed,
  machineInfo,
  median,
  realWindows,
  timed,
  writeResults,
  type Timing,
} from '../support/benchSupport.js';
import { encoderFlops } from '../support/encoderFlops.js';
import { checkPeer } from './peerCheck.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'models/s1-standard' },
    repeats: { type: 'string', default: '5' },
    windows: { type: 'string', default: '512' },
    'batch1-windows': { type: 'string', default: '128' },
    peers: { type: 'string', default: 'openblas,reference' },
  },
});
const blasChoices = values.peers.split(',') as PeerBlas[];
const unavailable = peerUnavailable();
if (unavailable !== undefined) throw new Error(unavailable);
const machine = await machineInfo();
const backend = await selectBackend({ prefer: 'wasm', logger: silentLogger });
const bundle = await loadModelBundle(values.model);
const model = bundle.model;
const config = model.config;
const windows = await realWindows(bundle, Number(values.windows));
const count = Math.min(Number(values.windows), windows.count);
const indices = Array.from({ length: count }, (_, i) => i);
const dir = await mkdtemp(join(tmpdir(), 'adaptd-bench-encoder-'));
await exportForPeer(
  model,
  dir,
  { windows, indices: indices.slice(0, 64) },
  {
    bench: { windows, indices },
  },
);
const peers = [];
for (const blas of blasChoices) peers.push(await startPeer(dir, blas));
const peer = peers[0]!;
const checks = [];
for (const p of peers) checks.push(await checkPeer(p));
const check = checks[0]!;

/** One pass of TFJS over the first `n` windows in batches, reading every output back. */
async function tfjsPass(
  m: SensorModel,
  set: LabelledWindows,
  n: number,
  batch: number,
  heads: boolean,
): Promise<Timing> {
  return timed(async () => {
    for (let start = 0; start < n; start += batch) {
      const chosen = indices.slice(start, Math.min(n, start + batch));
      const { inputs, clean } = windowBatch(set, chosen);
      const out = tf.tidy(() => {
        const result = m.forward(inputs, { headless: !heads });
        return [result.embedding, ...Object.values(result.logits)];
      });
      disposeInputs(inputs);
      clean.dispose();
      await Promise.all(out.map((t) => t.data()));
      tf.dispose(out);
    }
  });
}

const cases = [
  { batch: 1, heads: false, windows: Math.min(count, Number(values['batch1-windows'])) },
  { batch: 32, heads: false, windows: count },
  { batch: 1, heads: true, windows: Math.min(count, Number(values['batch1-windows'])) },
  { batch: 32, heads: true, windows: count },
];
const tensorsBefore = tf.memory().numTensors;
const rows = [];
for (const c of cases) {
  // Warm-up of every side, then alternate.
  await tfjsPass(model, windows, Math.min(c.windows, 2 * c.batch), c.batch, c.heads);
  for (const p of peers) {
    await p.request({ cmd: 'embed', set: 'bench', ...c, windows: 2 * c.batch });
  }
  const ours: Timing[] = [];
  const theirs: PeerTiming[][] = peers.map(() => []);
  for (let r = 0; r < Number(values.repeats); r += 1) {
    ours.push(await tfjsPass(model, windows, c.windows, c.batch, c.heads));
    for (const [i, p] of peers.entries()) {
      theirs[i]!.push(await p.request<PeerTiming>({ cmd: 'embed', set: 'bench', ...c }));
    }
  }
  const perSecond = (t: readonly { wall: number; cpu: number }[], key: 'wall' | 'cpu') =>
    median(t.map((x) => c.windows / x[key]));
  const row = {
    ...c,
    tfjsWallPerSecond: perSecond(ours, 'wall'),
    tfjsCpuPerSecond: perSecond(ours, 'cpu'),
    peers: peers.map((p, i) => ({
      blas: p.blas,
      wallPerSecond: perSecond(theirs[i]!, 'wall'),
      cpuPerSecond: perSecond(theirs[i]!, 'cpu'),
      // Ratio per repeat (alternated runs see the same load), then the median.
      ratioWall: median(ours.map((o, r) => theirs[i]![r]!.wall / o.wall)),
      ratioCpu: median(ours.map((o, r) => theirs[i]![r]!.cpu / o.cpu)),
    })),
  };
  console.error(JSON.stringify(row));
  rows.push(row);
}

/** TFJS matrix-multiply rate, GFLOP/s of process CPU time, over product shapes [m,k]x[k,n]. */
async function tfjsMatmulRate(shapes: readonly [number, number, number][], calls: number) {
  let flops = 0;
  let cpu = 0;
  for (const [m, k, n] of shapes) {
    const a = tf.randomNormal([m, k]);
    const b = tf.randomNormal([k, n]);
    tf.matMul(a, b).dispose();
    const t = await timed(() => {
      for (let i = 0; i < calls; i += 1) tf.matMul(a, b).dispose();
    });
    tf.dispose([a, b]);
    flops += 2 * m * k * n * calls;
    cpu += t.cpu;
  }
  return flops / cpu / 1e9;
}

async function peerMatmulRate(p: Peer, shapes: readonly [number, number, number][], calls: number) {
  let flops = 0;
  let cpu = 0;
  for (const [m, k, n] of shapes) {
    const t = await p.request<PeerTiming>({ cmd: 'matmul', m, k, n, repeats: calls });
    flops += 2 * m * k * n * calls;
    cpu += t.cpu;
  }
  return flops / cpu / 1e9;
}

/** The model's products at `batch` windows (rows = batch * tokens). */
function modelShapes(batch: number): [number, number, number][] {
  const r = batch * (config.windowLength / config.patch);
  const { width: w, feedForward: f, recurrentUnits: u } = config;
  const inputs = [...new Set(config.modalities.map((m) => m.channels.length * config.patch))];
  return [
    ...inputs.map((k): [number, number, number] => [r, k, w]),
    [r, w, w],
    [r, w, f],
    [r, f, w],
    [r, w, 3 * u],
    [batch, u, 3 * u],
  ];
}

const flopsPerWindow = encoderFlops(config, false);
const flopsPerWindowHeads = encoderFlops(config, true);
const rates = {
  tfjsModelShapesBatch32: await tfjsMatmulRate(modelShapes(32), 200),
  tfjsModelShapesBatch1: await tfjsMatmulRate(modelShapes(1), 2000),
  tfjsSquare512: await tfjsMatmulRate([[512, 512, 512]], 20),
};
const peerRates = [];
for (const p of peers) {
  peerRates.push({
    blas: p.blas,
    modelShapesBatch32: await peerMatmulRate(p, modelShapes(32), 200),
    modelShapesBatch1: await peerMatmulRate(p, modelShapes(1), 2000),
    square512: await peerMatmulRate(p, [[512, 512, 512]], 20),
  });
}
const ceilings = {
  batch32ModelShapes: (rates.tfjsModelShapesBatch32 * 1e9) / flopsPerWindow,
  batch1ModelShapes: (rates.tfjsModelShapesBatch1 * 1e9) / flopsPerWindow,
  square512: (rates.tfjsSquare512 * 1e9) / flopsPerWindow,
};
const tensorsAfter = tf.memory().numTensors;
for (const p of peers) await p.stop();
await rm(dir, { recursive: true, force: true });

const peerNames = peers.map((p) => `PyTorch/${p.blas}`);
const md = [
  `Model ${values.model} (${model.store.parameterCount()} parameters, ${config.windowLength}-row ` +
    `windows, ${config.channels} channels); ${count} real windows (batch 1: ` +
    `${cases[0]!.windows}); backend ${backend.name} with kernel overrides against PyTorch ` +
    `${peer.torch} on one thread with ${peers.map((p) => `${p.blas} (${p.blasLibrary})`).join(', ')}; ` +
    `median of ${values.repeats} alternated repeats. Peer outputs equal to TFJS within ` +
    `${Math.max(...checks.map((c) => c.worst)).toExponential(1)} (relative; tolerance ` +
    `${check.tolerance}) on ${check.windows} windows.`,
  '',
  `| batch | heads | TFJS windows per CPU-second (wall) | ${peerNames.map((n) => `${n} windows per CPU-second (wall)`).join(' | ')} | ${peerNames.map((n) => `TFJS / ${n} (wall; CPU)`).join(' | ')} | ceiling windows/s |`,
  `| --- | --- | --- | ${peers.map(() => '--- | ---').join(' | ')} | --- |`,
  ...rows.map(
    (r) =>
      `| ${r.batch} | ${r.heads ? 'all' : 'none'} | ${fixed(r.tfjsCpuPerSecond, 0)} ` +
      `(${fixed(r.tfjsWallPerSecond, 0)}) | ` +
      `${r.peers.map((p) => `${fixed(p.cpuPerSecond, 0)} (${fixed(p.wallPerSecond, 0)})`).join(' | ')} | ` +
      `${r.peers.map((p) => `${fixed(p.ratioWall, 2)}; ${fixed(p.ratioCpu, 2)}`).join(' | ')} | ` +
      `${fixed(
        ((r.batch === 1 ? rates.tfjsModelShapesBatch1 : rates.tfjsModelShapesBatch32) * 1e9) /
          (r.heads ? flopsPerWindowHeads : flopsPerWindow),
        0,
      )} |`,
  ),
  '',
  `Encoder ${(flopsPerWindow / 1e6).toFixed(2)} MFLOP per window (products only; ` +
    `${(flopsPerWindowHeads / 1e6).toFixed(2)} with every head). Matrix-multiply rate, GFLOP/s ` +
    `of CPU time, on the model's product shapes at batch 32 / at batch 1 / 512x512x512: TFJS ` +
    `${fixed(rates.tfjsModelShapesBatch32, 1)} / ${fixed(rates.tfjsModelShapesBatch1, 1)} / ` +
    `${fixed(rates.tfjsSquare512, 1)}` +
    peerRates
      .map(
        (p) =>
          `; PyTorch/${p.blas} ${fixed(p.modelShapesBatch32, 1)} / ${fixed(p.modelShapesBatch1, 1)}` +
          ` / ${fixed(p.square512, 1)}`,
      )
      .join('') +
    `. Ceiling = TFJS model-shape rate / FLOP per window (${fixed(ceilings.square512, 0)} ` +
    `windows/s at the square-product rate). TFJS tensors before and after the timed passes: ` +
    `${tensorsBefore}, ${tensorsAfter}.`,
];
await writeResults(
  'encoder',
  machine,
  {
    model: values.model,
    backend: backend.name,
    torch: peer.torch,
    peers: peers.map((p) => ({ blas: p.blas, library: p.blasLibrary })),
    checks,
    parameters: model.store.parameterCount(),
    windows: count,
    repeats: Number(values.repeats),
    flopsPerWindow,
    flopsPerWindowHeads,
    matmulGflops: { tfjs: rates, peers: peerRates },
    ceilings,
    tensorsBefore,
    tensorsAfter,
    rows,
  },
  md,
);
model.dispose();
