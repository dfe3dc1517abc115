/**
 * Where the TFJS time goes, kernel by kernel (tf.profile on the WebAssembly backend with the
 * kernel overrides): the committed model's forward pass over 32 real windows at batch 1 and
 * at batch 32, and one adaptation step as bench:adapt runs it. Prints, per case, the wall
 * time under the profiler, the share spent inside kernels, the kernel calls, and the kernels
 * by total time (least of 5 passes each). The profiler times each kernel in wall time, which
 * adds a little to every call: shares, not absolute times, are the point. Then the same forward pass in the PyTorch peer under its
 * autograd profiler, for the number of op calls and where its time goes.
 * Run: npx tsx bench/compare/kernelProfile.ts   (writes bench/results/profile/profile.{json,md})
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { silentLogger } from '../../src/log.js';
import { selectBackend } from '../../src/model/backend/selectBackend.js';
import { loadModelBundle } from '../../src/model/modelBundle.js';
import { disposeInputs, windowBatch } from '../../src/model/training/windowBatch.js';
import {
  fixed,
  machineInfo,
  realWindows,
  windowBuffer,
  writeResults,
} from '../support/benchSupport.js';
import { exportForPeer } from '../peer/exportForPeer.js';
import { startPeer } from '../peer/peerProcess.js';
import { adaptRound } from './adaptRound.js';

const machine = await machineInfo();
await selectBackend({ prefer: 'wasm', logger: silentLogger });
const bundle = await loadModelBundle('models/s1-standard');
const windows = await realWindows(bundle, 64);
const indices = Array.from({ length: 32 }, (_, i) => i);

interface Case {
  name: string;
  wallMs: number;
  kernelMs: number;
  calls: number;
  kernels: { name: string; calls: number; ms: number }[];
}

/**
 * Profiles `run` 5 times and keeps, per kernel, the least total time of any pass, and the
 * least wall time: on a loaded machine a preempted pass charges the wait to whichever
 * kernel was running, and the least of several passes filters that out.
 */
async function profile(name: string, run: () => Promise<void>): Promise<Case> {
  await run();
  let wallMs = Number.POSITIVE_INFINITY;
  let calls = 0;
  const best = new Map<string, { calls: number; ms: number }>();
  for (let pass = 0; pass < 5; pass += 1) {
    const started = performance.now();
    const info = await tf.profile(run);
    wallMs = Math.min(wallMs, performance.now() - started);
    calls = info.kernels.length;
    const byName = new Map<string, { calls: number; ms: number }>();
    for (const k of info.kernels) {
      const entry = byName.get(k.name) ?? { calls: 0, ms: 0 };
      entry.calls += 1;
      entry.ms += Number(k.kernelTimeMs);
      byName.set(k.name, entry);
    }
    for (const [kernel, entry] of byName) {
      const previous = best.get(kernel);
      if (previous === undefined || entry.ms < previous.ms) best.set(kernel, entry);
    }
  }
  const kernels = [...best.entries()]
    .map(([kernel, v]) => ({ name: kernel, ...v }))
    .sort((a, b) => b.ms - a.ms);
  const result = {
    name,
    wallMs,
    kernelMs: kernels.reduce((a, k) => a + k.ms, 0),
    calls,
    kernels,
  };
  console.error(`${name}: ${fixed(wallMs, 0)} ms, ${result.calls} kernel calls`);
  return result;
}

const forward = (batch: number) => async () => {
  for (let start = 0; start < indices.length; start += batch) {
    const { inputs, clean } = windowBatch(windows, indices.slice(start, start + batch));
    const out = tf.tidy(() => bundle.model.forward(inputs, { headless: true }).embedding);
    disposeInputs(inputs);
    clean.dispose();
    await out.data();
    out.dispose();
  }
};
const source = windowBuffer(await realWindows(bundle, 128, { groups: ['pocket', 'face'] }), 128);
const target = windowBuffer(
  await realWindows(bundle, 128, { groups: ['pocket150025', 'face150025'] }),
  128,
);
const step = async () => {
  await adaptRound(bundle.model, {
    source,
    target,
    head: 'operation',
    steps: 1,
    batchSize: 32,
    learningRate: 1e-3,
    seed: 1,
  });
};
const cases = [
  await profile('forward, 32 windows at batch 1', forward(1)),
  await profile('forward, 32 windows at batch 32', forward(32)),
  await profile('one adaptation step (32 + 32 windows, with the copy of the model)', step),
];
// The patch projections take each modality's channels with a gather on the channel axis;
// every modality is a contiguous range, which a slice takes as well.
const gatherVsSlice = (() => {
  const x = tf.randomNormal([32, bundle.model.config.windowLength, bundle.model.config.channels]);
  const ms = (op: () => tf.Tensor[]) => {
    tf.dispose(op());
    const started = performance.now();
    for (let i = 0; i < 20; i += 1) tf.dispose(op());
    return (performance.now() - started) / 20;
  };
  const modalities = bundle.model.config.modalities.map((m) => m.channels);
  const indexTensors = modalities.map((c) => tf.tensor1d(c, 'int32'));
  const gather = ms(() => indexTensors.map((i) => tf.gather(x, i, 2)));
  const slice = ms(() => modalities.map((c) => tf.slice(x, [0, 0, c[0]!], [-1, -1, c.length])));
  tf.dispose([x, ...indexTensors]);
  return { gatherMs: gather, sliceMs: slice };
})();
// The same forward pass in the PyTorch peer (OpenBLAS), op by op, for the count of calls.
const peerDir = await mkdtemp(join(tmpdir(), 'adaptd-bench-profile-'));
await exportForPeer(bundle.model, peerDir, { windows, indices });
const peer = await startPeer(peerDir);
interface PeerProfile {
  calls: number;
  ms: number;
  ops: { name: string; calls: number; ms: number }[];
}
const peerProfiles: Record<string, PeerProfile> = {};
for (const batch of [1, 32]) {
  peerProfiles[batch] = await peer.request<PeerProfile>({ cmd: 'profile', set: 'check', batch });
}
await peer.stop();
await rm(peerDir, { recursive: true, force: true });
const md: string[] = [
  `Taking the ${bundle.model.config.modalities.length} modalities' channels out of a batch of ` +
    `32 windows: gather on the channel axis ${fixed(gatherVsSlice.gatherMs, 2)} ms, slice of ` +
    `the same contiguous ranges ${fixed(gatherVsSlice.sliceMs, 2)} ms (wall, mean of 20).`,
  '',
];
for (const c of cases) {
  md.push(
    `## ${c.name}`,
    '',
    `${fixed(c.wallMs, 0)} ms under the profiler (least of 5 passes), ${fixed(c.kernelMs, 0)} ms (` +
      `${fixed((100 * c.kernelMs) / c.wallMs, 0)}%) inside ${c.calls} kernel calls ` +
      `(${fixed((1000 * (c.wallMs - c.kernelMs)) / c.calls, 0)} us outside kernels per call).`,
    '',
    '| kernel | calls | ms | share of kernel time |',
    '| --- | --- | --- | --- |',
    ...c.kernels
      .slice(0, 12)
      .map(
        (k) =>
          `| ${k.name} | ${k.calls} | ${fixed(k.ms, 1)} | ${fixed((100 * k.ms) / c.kernelMs, 1)}% |`,
      ),
    '',
  );
}
for (const [batch, p] of Object.entries(peerProfiles)) {
  md.push(
    `## PyTorch peer, forward of ${batch} window(s) (autograd profiler, least self CPU time of 5)`,
    '',
    `${fixed(p.ms, 1)} ms; ${p.calls} top-level op calls.`,
    '',
    '| op | calls | ms |',
    '| --- | --- | --- |',
    ...p.ops.map((o) => `| ${o.name} | ${o.calls} | ${fixed(o.ms, 2)} |`),
    '',
  );
}
await writeResults('profile', machine, { gatherVsSlice, cases, peerProfiles }, md);
bundle.model.dispose();
