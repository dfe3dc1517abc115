import {
  backend_util,
  slice_util,
  util,
  type DataType,
  type KernelConfig,
  type TensorInfo,
} from '@tensorflow/tfjs';
import {
  memoryOffset,
  runStockKernel,
  type KernelParams,
  type WasmBackend,
} from './wasmInternals.js';

/**
 * Slice, Unpack and SplitV for the wasm backend. The stock kernels read the whole source
 * out of WebAssembly memory into JavaScript for every output (85 ms to unstack a
 * [32, 64, 192] tensor over time); these copy only the requested box, inside the heap.
 * Strings (and any dtype not stored as plain numbers) go to the stock kernels.
 */

const COPYABLE = new Set<DataType>(['float32', 'int32', 'bool']);

function slice(params: KernelParams): TensorInfo {
  const x = params.inputs.x as TensorInfo;
  if (!COPYABLE.has(x.dtype)) return runStockKernel('Slice', params) as TensorInfo;
  const { begin, size } = params.attrs as { begin: number | number[]; size: number | number[] };
  const [start, extent] = slice_util.parseSliceParams(x, begin, size);
  return copyBox(params.backend as WasmBackend, x, start, extent, extent);
}

function unpack(params: KernelParams): TensorInfo[] {
  const value = params.inputs.value as TensorInfo;
  if (!COPYABLE.has(value.dtype)) return runStockKernel('Unpack', params) as TensorInfo[];
  const rank = value.shape.length;
  const axis = util.parseAxisParam(params.attrs?.axis as number, value.shape)[0] as number;
  const outShape = value.shape.filter((_, d) => d !== axis);
  const start = Array<number>(rank).fill(0);
  const extent = value.shape.map((dim, d) => (d === axis ? 1 : dim));
  return Array.from({ length: value.shape[axis] as number }, (_, i) => {
    start[axis] = i;
    return copyBox(params.backend as WasmBackend, value, start, extent, outShape);
  });
}

function splitV(params: KernelParams): TensorInfo[] {
  const x = params.inputs.x as TensorInfo;
  if (!COPYABLE.has(x.dtype)) return runStockKernel('SplitV', params) as TensorInfo[];
  const attrs = params.attrs as { numOrSizeSplits: number | number[]; axis: number | number[] };
  const axis = util.parseAxisParam(attrs.axis, x.shape)[0] as number;
  const start = Array<number>(x.shape.length).fill(0);
  return backend_util.prepareSplitSize(x, attrs.numOrSizeSplits, axis).map((part) => {
    const extent = x.shape.map((dim, d) => (d === axis ? part : dim));
    const out = copyBox(params.backend as WasmBackend, x, start, extent, extent);
    start[axis] = (start[axis] as number) + part;
    return out;
  });
}

/** A new tensor of shape outShape holding the box [start, start + extent) of x. */
function copyBox(
  backend: WasmBackend,
  x: TensorInfo,
  start: number[],
  extent: number[],
  outShape: number[],
): TensorInfo {
  const out = backend.makeOutput(outShape, x.dtype);
  if (util.sizeFromShape(extent) === 0) return out;
  const bytes = util.bytesPerElement(x.dtype);
  const strides = [...util.computeStrides(x.shape), 1];
  // The trailing dimensions taken whole, plus the first one cut, are one contiguous run.
  let inner = extent.length;
  let run = 1;
  while (inner > 0) {
    inner--;
    run *= extent[inner] as number;
    if (extent[inner] !== x.shape[inner]) break;
  }
  const runs = util.sizeFromShape(extent.slice(0, inner));
  const counter = Array<number>(inner).fill(0);
  let from = start.reduce((sum, s, d) => sum + s * (strides[d] as number), 0);
  // Read the heap only after allocating: growing the memory replaces the view.
  const heap = backend.wasm.HEAPU8;
  const source = memoryOffset(backend, x);
  const target = memoryOffset(backend, out);
  for (let r = 0; r < runs; r++) {
    const at = source + from * bytes;
    heap.copyWithin(target + r * run * bytes, at, at + run * bytes);
    for (let d = inner - 1; d >= 0; d--) {
      from += strides[d] as number;
      counter[d] = (counter[d] as number) + 1;
      if ((counter[d] as number) < (extent[d] as number)) break;
      from -= (extent[d] as number) * (strides[d] as number);
      counter[d] = 0;
    }
  }
  return out;
}

export const wasmSlicingKernels: readonly KernelConfig[] = [
  { kernelName: 'Slice', backendName: 'wasm', kernelFunc: slice },
  { kernelName: 'Unpack', backendName: 'wasm', kernelFunc: unpack },
  { kernelName: 'SplitV', backendName: 'wasm', kernelFunc: splitV },
];
