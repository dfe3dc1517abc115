import { broadcast_util, util, type KernelConfig, type TensorInfo } from '@tensorflow/tfjs';
import {
  aliasView,
  fusedMatMulFunction,
  heapView,
  releaseView,
  runStockKernel,
  runWasmKernel,
  type KernelParams,
  type WasmBackend,
} from './wasmInternals.js';

/**
 * BatchMatMul and _FusedMatMul for the wasm backend. The stock C kernel sends only a plain
 * product (no transpose, batch 1) to XNNPACK and runs everything else in a naive loop near
 * 1 GFLOP/s, which also adds the bias wrongly (it indexes the bias by the flat output
 * position) and clamps relu once per 48-wide block of the inner dimension. Here transposes
 * are materialised with the Transpose kernel, and each batch entry goes to the same C
 * kernel as a plain product through tensor ids aliasing parts of the heap.
 */

/** A tensor and an element offset into it. */
type Part = [TensorInfo, number];
/** Weights as a Part, and whether their C id outlives the call (the caller's own tensor). */
type Weights = [TensorInfo, number, boolean];

/** What the C kernel applies to each product. The bias, if any, has shape [n]. */
interface Epilogue {
  activation: number;
  bias?: TensorInfo;
  leakyreluAlpha: number;
}

/** Codes of the C enum FusableActivation; prelu is applied afterwards instead. */
const FUSED_ACTIVATION: Readonly<Record<string, number>> = {
  linear: 0,
  relu: 1,
  relu6: 2,
  leakyrelu: 4,
  sigmoid: 5,
  elu: 6,
};
const ACTIVATION_KERNEL: Readonly<Record<string, string>> = {
  relu: 'Relu',
  relu6: 'Relu6',
  prelu: 'Prelu',
  leakyrelu: 'LeakyRelu',
  sigmoid: 'Sigmoid',
  elu: 'Elu',
};
const LINEAR: Epilogue = { activation: 0, leakyreluAlpha: 0 };

function batchMatMul(params: KernelParams): TensorInfo {
  const { a, b } = params.inputs as { a: TensorInfo; b: TensorInfo };
  const { transposeA, transposeB } = params.attrs as { transposeA: boolean; transposeB: boolean };
  if (!isFastPathable(a, b, transposeA, transposeB)) {
    return runStockKernel('BatchMatMul', params) as TensorInfo;
  }
  return product(params.backend as WasmBackend, a, b, transposeA, transposeB, LINEAR);
}

function fusedMatMul(params: KernelParams): TensorInfo {
  const { a, b, bias, preluActivationWeights: alpha } = params.inputs;
  const attrs = params.attrs as { transposeA: boolean; transposeB: boolean; activation: string };
  const { transposeA, transposeB, activation } = attrs;
  const leakyreluAlpha = (params.attrs?.leakyreluAlpha as number | undefined) ?? 0;
  const known = activation === 'prelu' || FUSED_ACTIVATION[activation] !== undefined;
  if (
    a == null ||
    b == null ||
    !known ||
    (bias != null && bias.dtype !== 'float32') ||
    !isFastPathable(a, b, transposeA, transposeB)
  ) {
    return runStockKernel('_FusedMatMul', params) as TensorInfo;
  }
  const backend = params.backend as WasmBackend;
  const n = b.shape[b.shape.length - (transposeB ? 2 : 1)];
  const rowBias = bias == null || (bias.shape.length === 1 && bias.shape[0] === n);
  const code = FUSED_ACTIVATION[activation];
  if (rowBias && code !== undefined) {
    const epilogue = { activation: code, bias: bias ?? undefined, leakyreluAlpha };
    return product(backend, a, b, transposeA, transposeB, epilogue);
  }
  // A broadcast bias or prelu weights cannot be applied per product: apply them afterwards.
  let out = product(backend, a, b, transposeA, transposeB, LINEAR);
  if (bias != null) {
    out = replace(backend, out, runWasmKernel('Add', { inputs: { a: out, b: bias }, backend }));
  }
  const kernel = ACTIVATION_KERNEL[activation];
  if (kernel !== undefined) {
    const step = { inputs: { x: out, alpha }, backend, attrs: { alpha: leakyreluAlpha } };
    out = replace(backend, out, runWasmKernel(kernel, step));
  }
  return out;
}

function replace(backend: WasmBackend, old: TensorInfo, next: TensorInfo): TensorInfo {
  backend.disposeData(old.dataId);
  return next;
}

/** float32, rank 2 or more, matching inner dimensions, nothing empty; else the stock kernel. */
function isFastPathable(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean) {
  const ra = a.shape.length;
  const rb = b.shape.length;
  return (
    a.dtype === 'float32' &&
    b.dtype === 'float32' &&
    ra >= 2 &&
    rb >= 2 &&
    a.shape[transposeA ? ra - 2 : ra - 1] === b.shape[transposeB ? rb - 1 : rb - 2] &&
    util.sizeFromShape(a.shape) > 0 &&
    util.sizeFromShape(b.shape) > 0
  );
}

/**
 * act(A B + bias) for A [...batchA, m, k] and B [...batchB, k, n] (after the optional
 * transposes), giving [...broadcast(batchA, batchB), m, n].
 */
function product(
  backend: WasmBackend,
  a: TensorInfo,
  b: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
  epilogue: Epilogue,
): TensorInfo {
  const batchA = a.shape.slice(0, -2);
  const batchB = b.shape.slice(0, -2);
  const batchOut = broadcast_util.assertAndGetBroadcastShape(batchA, batchB);
  const plainA = transposeA ? transposeInner(backend, a) : a;
  const plainB = transposeB ? transposeInner(backend, b) : b;
  const [m, k] = plainA.shape.slice(-2) as [number, number];
  const n = plainB.shape[plainB.shape.length - 1] as number;
  const out = backend.makeOutput([...batchOut, m, n], 'float32');
  try {
    if (util.sizeFromShape(batchB) === 1) {
      // One weight matrix: the whole batch folds into the rows of a single product.
      const rows = util.sizeFromShape(batchA) * m;
      const weights: Weights = [plainB, 0, plainB === b];
      plainProduct(backend, [plainA, 0], weights, [out, 0], [rows, k, n], epilogue);
    } else {
      for (let i = 0; i < util.sizeFromShape(batchOut); i++) {
        const x: Part = [plainA, broadcastIndex(i, batchOut, batchA) * m * k];
        const w: Weights = [plainB, broadcastIndex(i, batchOut, batchB) * k * n, false];
        plainProduct(backend, x, w, [out, i * m * n], [m, k, n], epilogue);
      }
    }
  } finally {
    if (plainA !== a) backend.disposeData(plainA.dataId);
    if (plainB !== b) backend.disposeData(plainB.dataId);
  }
  return out;
}

/** y[rows, n] = act(x[rows, k] w[k, n] + bias[n]) on the C kernel's XNNPACK path. */
function plainProduct(
  backend: WasmBackend,
  [x, xAt]: Part,
  [w, wAt, lasting]: Weights,
  [y, yAt]: Part,
  [rows, k, n]: [number, number, number],
  { activation, bias, leakyreluAlpha }: Epilogue,
): void {
  const views = [
    heapView(backend, x, xAt, rows * k),
    heapView(backend, w, wAt, k * n),
    heapView(backend, y, yAt, rows * n),
  ];
  if (bias !== undefined) {
    // XNNPACK caches packed weights per (weights id, bias id) and forgets the entry when
    // either id is disposed. Paired with short-lived weights, the caller's bias id would
    // collect one stale key per call until it is disposed, so it gets a short-lived alias.
    views.push(lasting ? heapView(backend, bias, 0, n) : aliasView(backend, bias, 0, n));
  }
  const [xId, wId, yId, biasId = 0] = views.map((view) => view.id);
  const shapes = [shapeBytes([1, rows, k]), 3, wId, shapeBytes([1, k, n]), 3];
  fusedMatMulFunction(backend)(
    xId,
    ...shapes,
    false,
    false,
    activation,
    biasId,
    0,
    leakyreluAlpha,
    yId,
  );
  for (const view of views) releaseView(backend, view);
}

function shapeBytes(shape: number[]): Uint8Array {
  return new Uint8Array(new Int32Array(shape).buffer);
}

/** t with its last two dimensions swapped, as a new tensor. */
function transposeInner(backend: WasmBackend, t: TensorInfo): TensorInfo {
  const rank = t.shape.length;
  const perm = t.shape.map((_, d) => (d < rank - 2 ? d : 2 * rank - 3 - d));
  return runWasmKernel('Transpose', { inputs: { x: t }, backend, attrs: { perm } });
}

/** The flat index into a batch of shape `from` that broadcasting maps out index `flat` to. */
function broadcastIndex(flat: number, to: number[], from: number[]): number {
  let index = 0;
  let stride = 1;
  for (let d = to.length - 1, s = from.length - 1; d >= 0; d--, s--) {
    const coordinate = flat % (to[d] as number);
    flat = Math.floor(flat / (to[d] as number));
    if (s < 0) continue;
    if (from[s] !== 1) index += coordinate * stride;
    stride *= from[s] as number;
  }
  return index;
}

export const wasmMatMulKernels: readonly KernelConfig[] = [
  { kernelName: 'BatchMatMul', backendName: 'wasm', kernelFunc: batchMatMul },
  { kernelName: '_FusedMatMul', backendName: 'wasm', kernelFunc: fusedMatMul },
];
