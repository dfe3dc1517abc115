import * as tf from '@tensorflow/tfjs';
import { AdaptdError } from '../../errors.js';
import {
  stockWasmKernels,
  wasmKernelOverrides,
  withWasmKernels,
  type OverriddenKernel,
} from './wasmKernels.js';

/** The largest difference found for one kernel, over all of its cases. */
export interface KernelDifference {
  kernel: OverriddenKernel;
  maxAbsDiff: number;
  tolerance: number;
  /** The case with the largest difference relative to its tolerance. */
  worstCase: string;
  /** Set when a case threw instead of returning. */
  error?: string;
}

export interface SelfTestReport {
  passed: boolean;
  kernels: KernelDifference[];
}

interface SelfTestCase {
  kernel: OverriddenKernel;
  name: string;
  tolerance: number;
  run: () => tf.Tensor[];
  /** The stock computation to compare with, when it is not `run` on the stock kernels. */
  reference?: () => tf.Tensor[];
}

type Activation = 'linear' | 'relu' | 'relu6' | 'sigmoid' | 'elu' | 'leakyrelu' | 'prelu';

const MATMUL_TOLERANCE = 1e-4;
const LEAKY_ALPHA = 0.3;

/**
 * Runs every override and the stock kernels on the same seeded random inputs (uniform in
 * [-1, 1], so products stay near 1) and returns the largest absolute difference per
 * kernel. Needs the wasm backend active. Matrix products must agree within 1e-4; copies
 * must be exact. _FusedMatMul is compared with stock BatchMatMul, Add and the activation
 * kernels, because the stock fused kernel is wrong off its fast path.
 */
export function selfTest(
  overrides: readonly tf.KernelConfig[] = wasmKernelOverrides(),
): SelfTestReport {
  if (tf.getBackend() !== 'wasm') {
    throw new AdaptdError(
      'INTERNAL',
      `kernel self-test needs the wasm backend, not ${tf.getBackend()}`,
    );
  }
  const worst = new Map<OverriddenKernel, KernelDifference>();
  for (const testCase of selfTestCases()) {
    const { kernel, name, tolerance } = testCase;
    let diff: number;
    let error: string | undefined;
    try {
      const expected = withWasmKernels(stockWasmKernels(), () =>
        read(testCase.reference ?? testCase.run),
      );
      const actual = withWasmKernels(overrides, () => read(testCase.run));
      diff = maxAbsDiff(expected, actual);
    } catch (cause) {
      diff = Infinity;
      error = cause instanceof Error ? cause.message : String(cause);
    }
    const previous = worst.get(kernel);
    if (previous === undefined || diff / tolerance > previous.maxAbsDiff / previous.tolerance) {
      const found = { kernel, maxAbsDiff: diff, tolerance, worstCase: name };
      worst.set(kernel, error === undefined ? found : { ...found, error });
    }
  }
  const kernels = [...worst.values()];
  return { passed: kernels.every((k) => k.maxAbsDiff <= k.tolerance), kernels };
}

/** Throws KERNEL_SELF_TEST_FAILED naming the first kernel outside its tolerance. */
export function assertSelfTestPassed(report: SelfTestReport): void {
  const failed = report.kernels.find((k) => !(k.maxAbsDiff <= k.tolerance));
  if (failed === undefined) return;
  const detail = failed.error === undefined ? '' : ` (${failed.error})`;
  throw new AdaptdError(
    'KERNEL_SELF_TEST_FAILED',
    `wasm kernel override ${failed.kernel} differs from the stock kernel by ` +
      `${failed.maxAbsDiff.toExponential(2)} on ${failed.worstCase}${detail}; ` +
      `allowed is ${failed.tolerance}; start with kernel overrides disabled to use stock kernels`,
    { context: { ...failed } },
  );
}

function selfTestCases(): SelfTestCase[] {
  const matMul = (
    name: string,
    a: number[],
    b: number[],
    ta = false,
    tb = false,
  ): SelfTestCase => ({
    kernel: 'BatchMatMul',
    name: `matMul ${name}`,
    tolerance: MATMUL_TOLERANCE,
    run: () => [tf.matMul(random(a, 1), random(b, 2), ta, tb)],
  });
  const copy = (kernel: OverriddenKernel, name: string, run: () => tf.Tensor[]): SelfTestCase => ({
    kernel,
    name,
    tolerance: 0,
    run,
  });
  const x = () => random([6, 7, 9, 4], 3);
  return [
    matMul('[64,48]x[48,32]', [64, 48], [48, 32]),
    matMul('A^T [48,64]x[48,32]', [48, 64], [48, 32], true),
    matMul('[64,48]xB^T [32,48]', [64, 48], [32, 48], false, true),
    matMul('A^T B^T [100,24]x[16,100]', [100, 24], [16, 100], true, true),
    matMul('batch [4,16,24]x[4,24,8]', [4, 16, 24], [4, 24, 8]),
    matMul('batch A^T B^T [4,24,16]x[4,8,24]', [4, 24, 16], [4, 8, 24], true, true),
    matMul('broadcast [4,16,24]x[24,8]', [4, 16, 24], [24, 8]),
    matMul('broadcast [1,16,24]xB^T [3,8,24]', [1, 16, 24], [3, 8, 24], false, true),
    matMul('broadcast [2,3,16,24]x[3,24,8]', [2, 3, 16, 24], [3, 24, 8]),
    fusedMatMul('relu', [64, 48], [48, 32], false, false, [32]),
    fusedMatMul('linear', [64, 100], [32, 100], false, true, [32]),
    fusedMatMul('relu6', [4, 100, 16], [4, 8, 100], true, true, [8]),
    fusedMatMul('sigmoid', [3, 16, 24], [1, 24, 8], false, false, [8]),
    fusedMatMul('elu', [24, 16], [24, 8], true, false, [1]),
    fusedMatMul('leakyrelu', [3, 16, 24], [3, 24, 8], false, false, [16, 8]),
    fusedMatMul('prelu', [16, 24], [8, 24], false, true, [8]),
    fusedMatMul('relu', [3, 16, 24], [3, 24, 8], false, false),
    copy('Slice', 'slice inner box', () => [tf.slice(x(), [1, 2, 3, 1], [3, 4, 5, 2])]),
    copy('Slice', 'slice of whole rows', () => [tf.slice(x(), [2, 0, 0, 0], [3, 7, 9, 4])]),
    copy('Slice', 'slice of a scalar', () => [tf.slice(x(), [5, 6, 8, 3], [1, 1, 1, 1])]),
    copy('Slice', 'slice int32', () => [
      tf.slice(tf.cast(tf.mul(x(), 100), 'int32'), [0, 1, 2, 0], [6, 2, 2, 4]),
    ]),
    copy('Unpack', 'unstack axis 0', () => tf.unstack(x(), 0)),
    copy('Unpack', 'unstack axis 2', () => tf.unstack(x(), 2)),
    copy('Unpack', 'unstack bool axis -1', () => tf.unstack(tf.greater(x(), 0), -1)),
    copy('SplitV', 'split sizes on axis 2', () => tf.split(x(), [2, 3, 4], 2)),
    copy('SplitV', 'split in 3 on axis 0', () => tf.split(x(), 3, 0)),
    copy('SplitV', 'split -1 size on axis 3', () => tf.split(x(), [1, -1], 3)),
  ];
}

/** _FusedMatMul against stock BatchMatMul, Add and the activation kernels. */
function fusedMatMul(
  activation: Activation,
  aShape: number[],
  bShape: number[],
  transposeA: boolean,
  transposeB: boolean,
  biasShape?: number[],
): SelfTestCase {
  const inputs = () => ({
    a: random(aShape, 4),
    b: random(bShape, 5),
    bias: biasShape === undefined ? undefined : random(biasShape, 6),
    alpha: random([bShape[transposeB ? bShape.length - 2 : bShape.length - 1] as number], 7),
  });
  const shapes = `${JSON.stringify(aShape)}${transposeA ? '^T' : ''}x${JSON.stringify(bShape)}`;
  return {
    kernel: '_FusedMatMul',
    name: `fused ${activation} ${shapes}${transposeB ? '^T' : ''} bias ${JSON.stringify(biasShape)}`,
    tolerance: MATMUL_TOLERANCE,
    run: () => {
      const { a, b, bias, alpha } = inputs();
      const options = {
        a,
        b,
        transposeA,
        transposeB,
        bias,
        activation,
        leakyreluAlpha: LEAKY_ALPHA,
      };
      return [tf.fused.matMul({ ...options, preluActivationWeights: alpha })];
    },
    reference: () => {
      const { a, b, bias, alpha } = inputs();
      const product = tf.matMul(a, b, transposeA, transposeB);
      return [activate(bias === undefined ? product : tf.add(product, bias), activation, alpha)];
    },
  };
}

function activate(x: tf.Tensor, activation: Activation, alpha: tf.Tensor): tf.Tensor {
  switch (activation) {
    case 'linear':
      return x;
    case 'relu':
      return tf.relu(x);
    case 'relu6':
      return tf.relu6(x);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'elu':
      return tf.elu(x);
    case 'leakyrelu':
      return tf.leakyRelu(x, LEAKY_ALPHA);
    case 'prelu':
      return tf.prelu(x, alpha);
  }
}

function random(shape: number[], seed: number): tf.Tensor {
  return tf.randomUniform(shape, -1, 1, 'float32', seed);
}

interface Output {
  shape: number[];
  values: ArrayLike<number>;
}

function read(run: () => tf.Tensor[]): Output[] {
  const outputs: Output[] = [];
  // Typed arrays stay out of tidy's return value: tidy would walk them element by element.
  tf.tidy(() => {
    for (const t of run()) outputs.push({ shape: t.shape, values: t.dataSync() });
  });
  return outputs;
}

/** Infinity when the outputs differ in number or shape, or any difference is NaN. */
function maxAbsDiff(expected: Output[], actual: Output[]): number {
  if (expected.length !== actual.length) return Infinity;
  let max = 0;
  expected.forEach((e, i) => {
    const a = actual[i] as Output;
    if (e.shape.join() !== a.shape.join()) max = Infinity;
    for (let j = 0; j < e.values.length; j++) {
      const diff = Math.abs((e.values[j] as number) - (a.values[j] as number));
      if (!(diff <= max)) max = Number.isNaN(diff) ? Infinity : diff;
    }
  });
  return max;
}
