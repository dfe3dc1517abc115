import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { isAdaptdError } from '../../../src/errors.js';
import {
  assertPinnedVersions,
  installWasmKernels,
  stockWasmKernels,
  uninstallWasmKernels,
  wasmKernelOverrides,
  wasmKernelsInstalled,
  withWasmKernels,
} from '../../../src/model/backend/wasmKernels.js';

/** Values and shapes of the tensors fn returns, read inside a tidy. */
function read(fn: () => tf.Tensor[]): Array<{ shape: number[]; values: number[] }> {
  const out: Array<{ shape: number[]; values: number[] }> = [];
  tf.tidy(() => {
    for (const t of fn()) out.push({ shape: t.shape, values: Array.from(t.dataSync()) });
  });
  return out;
}

const stock = (fn: () => tf.Tensor[]) => withWasmKernels(stockWasmKernels(), () => read(fn));
const override = (fn: () => tf.Tensor[]) => withWasmKernels(wasmKernelOverrides(), () => read(fn));

/**
 * Largest |actual - expected| over all outputs divided by the largest |expected|; Infinity
 * when shapes or sizes differ or a difference is NaN.
 */
function relativeDiff(expected: ReturnType<typeof read>, actual: ReturnType<typeof read>): number {
  let diff = expected.length === actual.length ? 0 : Infinity;
  let scale = 1e-30;
  expected.forEach((e, i) => {
    const a = actual[i];
    if (a?.shape.join() !== e.shape.join() || a.values.length !== e.values.length) {
      diff = Infinity;
      return;
    }
    e.values.forEach((v, j) => {
      const d = Math.abs(v - a.values[j]!);
      diff = Number.isNaN(d) ? Infinity : Math.max(diff, d);
      scale = Math.max(scale, Math.abs(v));
    });
  });
  return diff / scale;
}

/** assert.ok with a message: without one, node parses this TypeScript file for minutes. */
function assertBelow(value: number, limit: number, what: string): void {
  assert.ok(value < limit, `${what}: ${value} is not below ${limit}`);
}

const random = (shape: number[], seed: number) => tf.randomUniform(shape, -1, 1, 'float32', seed);

/** Gradients of sum(f(xs) * fixed weights) with respect to every x. */
function gradients(shapes: number[][], f: (...xs: tf.Tensor[]) => tf.Tensor): () => tf.Tensor[] {
  return () => {
    const xs = shapes.map((shape, i) => random(shape, 10 + i));
    const loss = (...inputs: tf.Tensor[]) => {
      const y = f(...inputs);
      return tf.sum(tf.mul(y, random(y.shape, 99)));
    };
    return tf.grads(loss)(xs);
  };
}

const MATMUL_CASES: Array<[string, number[], number[], boolean, boolean]> = [
  ['plain', [32, 48], [48, 16], false, false],
  ['A^T', [100, 32], [100, 16], true, false],
  ['B^T', [32, 100], [16, 100], false, true],
  ['A^T B^T', [24, 32], [16, 24], true, true],
  ['batched', [5, 16, 24], [5, 24, 8], false, false],
  ['batched A^T', [5, 24, 16], [5, 24, 8], true, false],
  ['batched B^T', [5, 16, 64], [5, 16, 64], false, true],
  ['batched A^T B^T, rank 4', [2, 3, 24, 16], [2, 3, 8, 24], true, true],
];

describe('wasm kernel overrides', () => {
  before(async () => {
    assert.equal(await tf.setBackend('wasm'), true);
    installWasmKernels();
  });
  after(() => uninstallWasmKernels());

  for (const [name, aShape, bShape, ta, tb] of MATMUL_CASES) {
    it(`BatchMatMul ${name} equals the stock kernel, forward and gradient`, () => {
      const forward = () => [tf.matMul(random(aShape, 1), random(bShape, 2), ta, tb)];
      assertBelow(relativeDiff(stock(forward), override(forward)), 1e-5, 'forward');
      const grads = gradients([aShape, bShape], (a, b) => tf.matMul(a!, b!, ta, tb));
      assertBelow(relativeDiff(stock(grads), override(grads)), 1e-5, 'gradients');
    });
  }

  it('BatchMatMul broadcasts batch dimensions that the stock kernel gets wrong', () => {
    const fn = () => [tf.matMul(random([2, 1, 8, 20], 1), random([1, 3, 20, 5], 2))];
    const reference = () => {
      const a = tf.tile(random([2, 1, 8, 20], 1), [1, 3, 1, 1]);
      const b = tf.tile(random([1, 3, 20, 5], 2), [2, 1, 1, 1]);
      return [tf.matMul(a, b)];
    };
    assertBelow(relativeDiff(stock(reference), override(fn)), 1e-6, 'override');
    // The stock kernel fills only 3 of the 6 [8, 5] products the output shape promises.
    assert.equal(relativeDiff(stock(reference), stock(fn)), Infinity, 'stock is wrong here');
  });

  it('_FusedMatMul keeps bias and every activation, where the stock kernel is wrong', () => {
    const activations: tf.fused.Activation[] = ['linear', 'relu', 'relu6', 'sigmoid', 'elu'];
    activations.push('leakyrelu', 'prelu');
    const layouts: Array<[number[], boolean, boolean]> = [
      [[16], true, true],
      [[1], false, true],
      [[8, 16], true, false],
    ];
    for (const activation of activations) {
      for (const [biasShape, transposeA, transposeB] of layouts) {
        const inputs = () => ({
          a: transposeA ? random([3, 100, 8], 1) : random([3, 8, 100], 1),
          b: transposeB ? random([3, 16, 100], 2) : random([3, 100, 16], 2),
          bias: random(biasShape, 3),
          alpha: random([16], 4),
        });
        const fused = () => {
          const { a, b, bias, alpha } = inputs();
          const options = { a, b, bias, transposeA, transposeB, activation };
          return [tf.fused.matMul({ ...options, preluActivationWeights: alpha })];
        };
        const composed = () => {
          const { a, b, bias, alpha } = inputs();
          const y = tf.add(tf.matMul(a, b, transposeA, transposeB), bias);
          return [activate(y, activation, alpha)];
        };
        const diff = relativeDiff(stock(composed), override(fused));
        const what = `${activation} bias [${biasShape.join()}] A^T ${transposeA} B^T ${transposeB}`;
        assertBelow(diff, 1e-6, what);
      }
    }
  });

  it('the stock _FusedMatMul adds the bias wrongly off its fast path', () => {
    const b = () => ({ a: random([8, 20], 1), b: random([5, 20], 2), bias: random([5], 3) });
    const fused = () => [tf.fused.matMul({ ...b(), transposeB: true })];
    const composed = () => [tf.add(tf.matMul(b().a, b().b, false, true), b().bias)];
    const stockDiff = relativeDiff(stock(composed), stock(fused));
    assert.ok(stockDiff > 0.1, `the stock kernel is right now (${stockDiff}): update this module`);
    assertBelow(relativeDiff(stock(composed), override(fused)), 1e-6, 'override');
  });

  for (const [name, ta, tb] of [
    ['plain', false, false],
    ['A^T B^T', true, true],
  ] as const) {
    it(`_FusedMatMul ${name} with bias has the stock gradients`, () => {
      const aShape = ta ? [64, 32] : [32, 64];
      const bShape = tb ? [16, 64] : [64, 16];
      const grads = gradients([aShape, bShape, [16]], (a, b, bias) =>
        tf.fused.matMul({ a: a!, b: b!, bias, transposeA: ta, transposeB: tb }),
      );
      assertBelow(relativeDiff(stock(grads), override(grads)), 1e-5, 'gradients');
    });
  }

  const SLICES: Array<[string, number[], (x: tf.Tensor) => tf.Tensor[]]> = [
    ['Slice, inner box', [6, 7, 9, 4], (x) => [tf.slice(x, [1, 2, 3, 1], [3, 4, 5, 2])]],
    ['Slice, whole rows', [20, 6, 5], (x) => [tf.slice(x, [4, 0, 0], [8, 6, 5])]],
    ['Slice, rank 6', [2, 3, 2, 3, 2, 3], (x) => [tf.slice(x, [1, 1, 0, 1, 1, 1], -1)]],
    ['Unpack, axis 0', [4, 5, 6], (x) => tf.unstack(x, 0)],
    ['Unpack, axis 1', [4, 5, 6], (x) => tf.unstack(x, 1)],
    ['Unpack, axis -1', [4, 5, 6], (x) => tf.unstack(x, -1)],
    ['SplitV, sizes', [4, 9, 6], (x) => tf.split(x, [2, 3, 4], 1)],
    ['SplitV, count', [4, 9, 6], (x) => tf.split(x, 3, -1)],
  ];
  /** One scalar per piece, so each piece's gradient gets its own weight. */
  const sums = (cut: (x: tf.Tensor) => tf.Tensor[]) => (x?: tf.Tensor) =>
    tf.stack(cut(x!).map((piece) => tf.sum(piece)));
  for (const [name, shape, cut] of SLICES) {
    it(`${name} equals the stock kernel exactly, forward and gradient`, () => {
      const forward = () => cut(random(shape, 1));
      assert.deepEqual(override(forward), stock(forward));
      const grads = gradients([shape], sums(cut));
      assert.deepEqual(override(grads), stock(grads));
    });
  }

  it('copies int32 and bool slices and leaves strings to the stock kernels', () => {
    const fn = () => {
      const ints = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3], 'int32');
      const bools = tf.tensor2d([true, false, false, true], [2, 2], 'bool');
      const strings = tf.tensor2d(['a', 'b', 'c', 'd'], [2, 2]);
      const pieces = [tf.slice(ints, [0, 1], [2, 2]), ...tf.unstack(bools, 1)];
      return [...pieces, ...tf.split(ints, [1, 2], 1), tf.slice(strings, [1, 0], [1, 2])];
    };
    const results = withWasmKernels(wasmKernelOverrides(), () => {
      const out: unknown[] = [];
      tf.tidy(() => {
        for (const t of fn()) out.push(t.arraySync());
      });
      return out;
    });
    assert.deepEqual(results, [
      [
        [2, 3],
        [5, 6],
      ],
      [1, 0],
      [0, 1],
      [[1], [4]],
      [
        [2, 3],
        [5, 6],
      ],
      [['c', 'd']],
    ]);
  });

  it('keeps the tensor count flat over repeated forward and gradient calls', () => {
    const run = () => {
      for (const [, aShape, bShape, ta, tb] of MATMUL_CASES) {
        read(gradients([aShape, bShape], (a, b) => tf.matMul(a!, b!, ta, tb)));
      }
      read(
        gradients([[16, 32], [32, 8], [8]], (a, b, bias) =>
          tf.fused.matMul({ a: a!, b: b!, bias }),
        ),
      );
      for (const [, shape, cut] of SLICES) read(gradients([shape], sums(cut)));
    };
    run();
    const tensors = tf.memory().numTensors;
    const dataIds = tf.engine().backend.numDataIds();
    for (let i = 0; i < 5; i++) run();
    assert.equal(tf.memory().numTensors, tensors);
    assert.equal(tf.engine().backend.numDataIds(), dataIds);
  });

  it('installs and uninstalls idempotently', () => {
    installWasmKernels();
    installWasmKernels();
    assert.equal(wasmKernelsInstalled(), true);
    assert.equal(tf.getKernel('Slice', 'wasm').kernelFunc, wasmKernelOverrides()[2]!.kernelFunc);
    uninstallWasmKernels();
    uninstallWasmKernels();
    assert.equal(wasmKernelsInstalled(), false);
    assert.equal(tf.getKernel('Slice', 'wasm').kernelFunc, stockWasmKernels()[2]!.kernelFunc);
    installWasmKernels();
  });

  it('refuses any TensorFlow.js version but the pinned one', () => {
    assert.doesNotThrow(() => assertPinnedVersions());
    for (const found of [
      { core: '4.22.1', wasm: '4.22.0' },
      { core: '4.22.0', wasm: '4.21.0' },
    ]) {
      assert.throws(
        () => assertPinnedVersions(found),
        (error: unknown) =>
          isAdaptdError(error, 'BACKEND_UNAVAILABLE') && /4\.2[12]/.test(error.message),
      );
    }
  });
});

function activate(x: tf.Tensor, activation: string, alpha: tf.Tensor): tf.Tensor {
  switch (activation) {
    case 'relu':
      return tf.relu(x);
    case 'relu6':
      return tf.relu6(x);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'elu':
      return tf.elu(x);
    case 'leakyrelu':
      return tf.leakyRelu(x, 0.2);
    case 'prelu':
      return tf.prelu(x, alpha);
    default:
      return x;
  }
}
