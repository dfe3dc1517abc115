import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { isAdaptdError } from '../../../src/errors.js';
import { assertSelfTestPassed, selfTest } from '../../../src/model/backend/kernelSelfTest.js';
import {
  OVERRIDDEN_KERNELS,
  installWasmKernels,
  uninstallWasmKernels,
  wasmKernelOverrides,
} from '../../../src/model/backend/wasmKernels.js';

/** The real overrides, except a Slice that starts one row early. */
function withShiftedSlice(): tf.KernelConfig[] {
  return wasmKernelOverrides().map((config) => {
    if (config.kernelName !== 'Slice') return config;
    const kernelFunc: tf.KernelFunc = (params) => {
      const begin = [...(params.attrs?.begin as number[])];
      begin[0] = Math.max(0, begin[0]! - 1);
      return config.kernelFunc({ ...params, attrs: { ...params.attrs, begin } });
    };
    return { ...config, kernelFunc };
  });
}

describe('selfTest', () => {
  before(async () => {
    assert.equal(await tf.setBackend('wasm'), true);
    installWasmKernels();
  });
  after(() => uninstallWasmKernels());

  it('passes for every override, with products within 1e-4 and copies exact', () => {
    const report = selfTest();
    assert.deepEqual(report.kernels.map((k) => k.kernel).sort(), [...OVERRIDDEN_KERNELS].sort());
    for (const k of report.kernels) {
      assert.ok(k.maxAbsDiff <= k.tolerance, `${k.kernel} differs by ${k.maxAbsDiff}`);
      assert.equal(k.error, undefined);
    }
    assert.equal(report.passed, true);
    assert.doesNotThrow(() => assertSelfTestPassed(report));
  });

  it('catches an override that copies the wrong box, naming kernel and difference', () => {
    const report = selfTest(withShiftedSlice());
    assert.equal(report.passed, false);
    const slice = report.kernels.find((k) => k.kernel === 'Slice');
    assert.ok(slice !== undefined && slice.maxAbsDiff > 0.01, `Slice: ${JSON.stringify(slice)}`);
    const others = report.kernels.filter((k) => k.kernel !== 'Slice');
    assert.ok(
      others.every((k) => k.maxAbsDiff <= k.tolerance),
      'only Slice fails',
    );
    assert.throws(
      () => assertSelfTestPassed(report),
      (error: unknown) =>
        isAdaptdError(error, 'KERNEL_SELF_TEST_FAILED') &&
        error.message.includes('Slice') &&
        error.message.includes(slice.maxAbsDiff.toExponential(2)) &&
        error.context.kernel === 'Slice',
    );
  });

  it('leaves the registered kernels and the tensor count as it found them', () => {
    const registered = () => OVERRIDDEN_KERNELS.map((name) => tf.getKernel(name, 'wasm'));
    const kernels = registered();
    const tensors = tf.memory().numTensors;
    selfTest(withShiftedSlice());
    selfTest();
    assert.deepEqual(registered(), kernels);
    assert.equal(tf.memory().numTensors, tensors);
  });

  it('refuses to run on another backend', async () => {
    await tf.setBackend('cpu');
    try {
      assert.throws(
        () => selfTest(),
        (error: unknown) => isAdaptdError(error, 'INTERNAL'),
      );
    } finally {
      await tf.setBackend('wasm');
    }
  });
});
