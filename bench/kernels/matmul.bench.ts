/**
 * Stock against overridden WebAssembly kernels, side by side in one process, on the
 * products of a small transformer training step (batch 32, 16 tokens, width 64) and on
 * cutting batches out of large tensors. Medians over repeats that alternate the two; each
 * repeat times a block of back-to-back calls.
 * Run: npx tsx bench/kernels/matmul.bench.ts   (REPEATS=30 by default)
 * Writes bench/results/kernels-matmul-<time>.json and prints a Markdown table.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import {
  stockWasmKernels,
  wasmKernelOverrides,
  withWasmKernels,
} from '../../src/model/backend/wasmKernels.js';

interface Case {
  name: string;
  shapes: string;
  /** Floating-point operations per call; 0 for copies. */
  flops: number;
  inputs: () => tf.Tensor[];
  op: (inputs: tf.Tensor[]) => tf.Tensor | tf.Tensor[];
}

interface Row {
  name: string;
  shapes: string;
  stockMs: number;
  overrideMs: number;
  stockGflops: number | null;
  overrideGflops: number | null;
  speedup: number;
  maxAbsDiff: number;
}

const repeats = Number(process.env.REPEATS ?? 30);
const [batch, tokens, width] = [32, 16, 64];
const rows = batch * tokens;

let seed = 7;
const random = (shape: number[]) => tf.randomUniform(shape, -1, 1, 'float32', seed++);
const product = (name: string, a: number[], b: number[], ta = false, tb = false): Case => {
  const [m, k] = ta ? [a.at(-1)!, a.at(-2)!] : [a.at(-2)!, a.at(-1)!];
  const n = tb ? b.at(-2)! : b.at(-1)!;
  const count = a.slice(0, -2).reduce((x, y) => x * y, 1);
  const mark = (shape: number[], t: boolean) => `[${shape.join(',')}]${t ? 'ᵀ' : ''}`;
  return {
    name,
    shapes: `${mark(a, ta)} × ${mark(b, tb)}`,
    flops: 2 * count * m * k * n,
    inputs: () => [random(a), random(b)],
    op: ([x, y]) => tf.matMul(x!, y!, ta, tb),
  };
};

/** Gradients of a pre-norm transformer block (hand-written attention) for x [32, 16, 64]. */
function blockGradients([x, ...weights]: tf.Tensor[]): tf.Tensor[] {
  const flat = (t: tf.Tensor) => tf.reshape(t, [rows, -1]);
  const norm = (t: tf.Tensor) => {
    const { mean, variance } = tf.moments(t, -1, true);
    return tf.div(tf.sub(t, mean), tf.sqrt(tf.add(variance, 1e-5)));
  };
  const loss = (...w: tf.Tensor[]) => {
    const [wq, wk, wv, wo, w1, b1, w2, b2] = w as [tf.Tensor, ...tf.Tensor[]];
    const h = flat(norm(x!));
    const [q, k, v] = [wq, wk!, wv!].map((p) =>
      tf.reshape(tf.matMul(h, p), [batch, tokens, width]),
    );
    const attention = tf.softmax(tf.div(tf.matMul(q!, k!, false, true), Math.sqrt(width)));
    const y = tf.add(flat(x!), tf.matMul(flat(tf.matMul(attention, v!)), wo!));
    const up = tf.relu(tf.fused.matMul({ a: norm(y), b: w1!, bias: b1 }));
    return tf.mean(tf.square(tf.add(y, tf.fused.matMul({ a: up, b: w2!, bias: b2 }))));
  };
  return tf.grads(loss)(weights);
}

const CASES: Case[] = [
  product('dense forward', [rows, width], [width, width]),
  {
    ...product('dense forward, fused bias', [rows, width], [width, width]),
    inputs: () => [random([rows, width]), random([width, width]), random([width])],
    op: ([a, b, bias]) => tf.fused.matMul({ a: a!, b: b!, bias }),
  },
  product('dense input gradient dY·Wᵀ', [rows, width], [width, width], false, true),
  product('dense weight gradient Xᵀ·dY', [rows, width], [rows, width], true, false),
  product('attention scores Q·Kᵀ', [batch, tokens, width], [batch, tokens, width], false, true),
  product('attention context A·V', [batch, tokens, tokens], [batch, tokens, width]),
  product('attention gradient Aᵀ·dC', [batch, tokens, tokens], [batch, tokens, width], true),
  product('feed-forward up', [rows, width], [width, 2 * width]),
  {
    name: 'transformer block, forward and gradients',
    shapes: 'x [32,16,64], width 64, feed-forward 128',
    flops: 0,
    inputs: () => [
      random([batch, tokens, width]),
      ...[0, 1, 2, 3].map(() => random([width, width])),
      ...[[width, 2 * width], [2 * width], [2 * width, width], [width]].map(random),
    ],
    op: blockGradients,
  },
  {
    name: 'Slice a batch out of windows',
    shapes: '[32,64,160] of [2000,64,160]',
    flops: 0,
    inputs: () => [random([2000, 64, 160])],
    op: ([x]) => tf.slice(x!, [640, 0, 0], [32, 64, 160]),
  },
  {
    name: 'Unpack over time',
    shapes: '[32,64,192] → 64 × [32,192]',
    flops: 0,
    inputs: () => [random([32, 64, 192])],
    op: ([x]) => tf.unstack(x!, 1),
  },
  {
    name: 'SplitV GRU gates',
    shapes: '[512,192] → 3 × [512,64]',
    flops: 0,
    inputs: () => [random([rows, 3 * width])],
    op: ([x]) => tf.split(x!, 3, -1),
  },
];

/**
 * Milliseconds per call over `calls` back-to-back calls; the wasm backend computes
 * synchronously inside the op, so no read-back is needed.
 */
function time(c: Case, inputs: tf.Tensor[], calls: number): number {
  const start = performance.now();
  for (let i = 0; i < calls; i++) tf.dispose(c.op(inputs));
  return (performance.now() - start) / calls;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function outputs(c: Case, inputs: tf.Tensor[]): Float32Array[] {
  const out = c.op(inputs);
  const list = Array.isArray(out) ? out : [out];
  const values = list.map((t) => t.dataSync() as Float32Array);
  tf.dispose(list);
  return values;
}

function maxAbsDiff(a: Float32Array[], b: Float32Array[]): number {
  let max = 0;
  a.forEach((values, i) =>
    values.forEach((v, j) => (max = Math.max(max, Math.abs(v - b[i]![j]!)))),
  );
  return max;
}

function measure(c: Case): Row {
  const inputs = c.inputs();
  const stock = (fn: () => number) => withWasmKernels(stockWasmKernels(), fn);
  const override = (fn: () => number) => withWasmKernels(wasmKernelOverrides(), fn);
  const times = { stock: [] as number[], override: [] as number[] };
  // Blocks of at least ~5 ms per variant, so that swapping the kernels between blocks and
  // the timer's resolution do not weigh on sub-millisecond calls.
  const once = Math.max(
    stock(() => time(c, inputs, 1)),
    override(() => time(c, inputs, 1)),
  );
  const calls = Math.max(1, Math.ceil(5 / once));
  for (let i = 0; i < 2; i++) {
    stock(() => time(c, inputs, calls));
    override(() => time(c, inputs, calls));
  }
  for (let i = 0; i < repeats; i++) {
    times.stock.push(stock(() => time(c, inputs, calls)));
    times.override.push(override(() => time(c, inputs, calls)));
  }
  const stockValues = withWasmKernels(stockWasmKernels(), () => outputs(c, inputs));
  const overrideValues = withWasmKernels(wasmKernelOverrides(), () => outputs(c, inputs));
  tf.dispose(inputs);
  const [stockMs, overrideMs] = [median(times.stock), median(times.override)];
  const gflops = (ms: number) => (c.flops === 0 ? null : c.flops / ms / 1e6);
  return {
    name: c.name,
    shapes: c.shapes,
    stockMs,
    overrideMs,
    stockGflops: gflops(stockMs),
    overrideGflops: gflops(overrideMs),
    speedup: stockMs / overrideMs,
    maxAbsDiff: maxAbsDiff(stockValues, overrideValues),
  };
}

await tf.setBackend('wasm');
const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
const results = CASES.map(measure);
const fixed = (value: number | null, digits: number) =>
  value === null ? '–' : value.toFixed(digits);
const table = [
  '| operation | shapes | stock ms | override ms | stock GFLOP/s | override GFLOP/s | speed-up | max abs diff |',
  '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...results.map(
    (r) =>
      `| ${r.name} | ${r.shapes} | ${fixed(r.stockMs, 3)} | ${fixed(r.overrideMs, 3)} | ` +
      `${fixed(r.stockGflops, 2)} | ${fixed(r.overrideGflops, 2)} | ${r.speedup.toFixed(1)}× | ` +
      `${r.maxAbsDiff.toExponential(1)} |`,
  ),
];
const environment = {
  date: new Date().toISOString(),
  node: process.version,
  tfjs: tf.version_core,
  simd,
  cpu: cpus()[0]?.model ?? 'unknown',
  repeats,
};
const folder = new URL('../results/', import.meta.url);
mkdirSync(folder, { recursive: true });
const file = new URL(`kernels-matmul-${environment.date.replace(/[:.]/g, '-')}.json`, folder);
writeFileSync(file, `${JSON.stringify({ ...environment, results }, null, 2)}\n`);
console.log(
  `wasm backend, one thread, SIMD ${simd ? 'on' : 'off'}, ${environment.cpu}, ` +
    `tfjs ${environment.tfjs}, node ${environment.node}, medians of ${repeats}`,
);
console.log(table.join('\n'));
console.log(`written to ${file.pathname}; tensors left ${tf.memory().numTensors}`);
