import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import {
  installWasmKernels,
  stockWasmKernels,
  uninstallWasmKernels,
  withWasmKernels,
} from '../../../src/model/backend/wasmKernels.js';

/**
 * The same tiny model on the plain CPU backend and on WebAssembly (with and without the
 * kernel overrides): a dense projection, a hand-written GRU, layer normalisation, softmax
 * attention written with matMul, and a linear head. Recurrent training on WebAssembly has
 * had numeric reports, and the overrides touch every product and slice here.
 */
const [B, T, F, D, C] = [4, 6, 5, 8, 3];

const PARAMETER_SHAPES: Record<string, number[]> = {
  wIn: [F, D],
  bIn: [D],
  wGates: [D, 3 * D],
  bGates: [3 * D],
  uGates: [D, 3 * D],
  gamma: [D],
  beta: [D],
  wQ: [D, D],
  wK: [D, D],
  wV: [D, D],
  wOut: [2 * D, C],
  bOut: [C],
};

/** Deterministic values in [-0.5, 0.5) from a small linear congruential generator. */
function values(size: number, seed: number): Float32Array {
  let state = seed >>> 0;
  return Float32Array.from({ length: size }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32 - 0.5;
  });
}

function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), gamma), beta);
}

/** Logits [B, C] for x [B, T, F]. */
function model(x: tf.Tensor, p: Record<string, tf.Tensor>): tf.Tensor {
  const rows = (t: tf.Tensor) => tf.reshape(t, [B * T, -1]);
  const dense = tf.fused.matMul({ a: rows(x), b: p.wIn!, bias: p.bIn });
  const h = tf.reshape(tf.relu(dense), [B, T, D]);
  // GRU: input gates for all steps in one product, only the recurrence in the loop.
  const gates = tf.reshape(tf.fused.matMul({ a: rows(h), b: p.wGates!, bias: p.bGates }), [
    B,
    T,
    3 * D,
  ]);
  let state = tf.zeros([B, D]);
  const states: tf.Tensor[] = [];
  for (const step of tf.unstack(gates, 1)) {
    const [xz, xr, xn] = tf.split(step, 3, -1) as [tf.Tensor, tf.Tensor, tf.Tensor];
    const [hz, hr, hn] = tf.split(tf.matMul(state, p.uGates!), 3, -1) as [
      tf.Tensor,
      tf.Tensor,
      tf.Tensor,
    ];
    const z = tf.sigmoid(tf.add(xz, hz));
    const r = tf.sigmoid(tf.add(xr, hr));
    const n = tf.tanh(tf.add(xn, tf.mul(r, hn)));
    state = tf.add(tf.mul(tf.sub(1, z), n), tf.mul(z, state));
    states.push(state);
  }
  const sequence = tf.stack(states, 1);
  const normed = rows(layerNorm(sequence, p.gamma!, p.beta!));
  const [q, k, v] = [p.wQ!, p.wK!, p.wV!].map((w) => tf.reshape(tf.matMul(normed, w), [B, T, D]));
  const scores = tf.div(tf.matMul(q!, k!, false, true), Math.sqrt(D));
  const attended = tf.add(sequence, tf.matMul(tf.softmax(scores), v!));
  const last = tf.reshape(tf.slice(attended, [0, T - 1, 0], [B, 1, D]), [B, D]);
  const features = tf.concat([tf.mean(attended, 1), last], 1);
  return tf.fused.matMul({ a: features, b: p.wOut!, bias: p.bOut });
}

interface Run {
  logits: Float32Array;
  loss: number;
  gradients: Record<string, Float32Array>;
}

/** Forward pass and the gradients of one training step, on the active backend. */
function trainingStep(): Run {
  const names = Object.keys(PARAMETER_SHAPES);
  const run: Run = { logits: new Float32Array(), loss: NaN, gradients: {} };
  tf.tidy(() => {
    const x = tf.tensor3d(values(B * T * F, 1), [B, T, F]);
    const labels = tf.oneHot(tf.tensor1d([0, 2, 1, 2], 'int32'), C);
    const params = names.map((name, i) => {
      const shape = PARAMETER_SHAPES[name]!;
      return tf.tensor(
        values(
          shape.reduce((a, b) => a * b, 1),
          100 + i,
        ),
        shape,
      );
    });
    const loss = (...ps: tf.Tensor[]) => {
      const logits = model(x, Object.fromEntries(names.map((name, i) => [name, ps[i]!])));
      return tf.losses.softmaxCrossEntropy(labels, logits);
    };
    const { value, grads } = tf.valueAndGrads(loss)(params);
    run.loss = value.dataSync()[0]!;
    run.logits = model(
      x,
      Object.fromEntries(names.map((name, i) => [name, params[i]!])),
    ).dataSync() as Float32Array;
    names.forEach((name, i) => (run.gradients[name] = grads[i]!.dataSync() as Float32Array));
  });
  return run;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  return a.reduce((max, v, i) => {
    const d = Math.abs(v - b[i]!);
    return Number.isNaN(d) ? Infinity : Math.max(max, d);
  }, 0);
}

/**
 * Every output within 1e-4, and within 1e-3 of its own scale: the query and key gradients
 * are near 2e-4, where an absolute bound alone would let a wrong sign pass.
 */
function assertAgree(actual: Run, expected: Run, what: string): void {
  const pairs: Array<[string, Float32Array, Float32Array]> = [
    ['logits', actual.logits, expected.logits],
    ['loss', Float32Array.of(actual.loss), Float32Array.of(expected.loss)],
    ...Object.keys(PARAMETER_SHAPES).map((name): [string, Float32Array, Float32Array] => [
      name,
      actual.gradients[name]!,
      expected.gradients[name]!,
    ]),
  ];
  for (const [name, a, e] of pairs) {
    const diff = maxAbsDiff(a, e);
    const scale = e.reduce((max, v) => Math.max(max, Math.abs(v)), 0);
    const limit = Math.min(1e-4, 1e-3 * scale);
    assert.ok(diff <= limit, `${what}: ${name} differs from the CPU backend by ${diff} > ${limit}`);
  }
}

describe('WebAssembly and CPU backends on a tiny model', () => {
  let cpu: Run;
  before(async () => {
    assert.equal(await tf.setBackend('cpu'), true);
    cpu = trainingStep();
    assert.equal(await tf.setBackend('wasm'), true);
    installWasmKernels();
  });
  after(() => uninstallWasmKernels());

  it('agree within 1e-4 with the kernel overrides, forward and gradients', () => {
    const wasm = trainingStep();
    assert.ok(Number.isFinite(wasm.loss) && wasm.loss > 0, `loss ${wasm.loss}`);
    assertAgree(wasm, cpu, 'wasm with overrides');
  });

  it('agree within 1e-4 with the stock kernels', () => {
    assertAgree(withWasmKernels(stockWasmKernels(), trainingStep), cpu, 'stock wasm');
  });

  it('every gradient is non-zero, so the comparison covers every parameter', () => {
    for (const [name, gradient] of Object.entries(cpu.gradients)) {
      assert.ok(
        gradient.some((g) => Math.abs(g) > 1e-6),
        `${name} has no gradient`,
      );
    }
  });

  it('keeps the tensor count flat over repeated steps', () => {
    trainingStep();
    const tensors = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) trainingStep();
    assert.equal(tf.memory().numTensors, tensors);
  });
});
