import { getKernel, type DataType, type KernelConfig, type KernelFunc } from '@tensorflow/tfjs';
import type { TensorInfo } from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { AdaptdError } from '../../errors.js';

/**
 * The private surface of @tensorflow/tfjs-backend-wasm 4.22.0 that the kernel overrides
 * use: C tensor ids, heap offsets and the exported C functions. Nothing upstream promises
 * it, which is why wasmKernels.ts refuses every other version.
 */
export interface WasmBackend {
  wasm: {
    HEAPU8: Uint8Array;
    cwrap(name: string, returnType: null, argTypes: string[]): (...args: unknown[]) => void;
    tfjs: {
      registerTensor(id: number, size: number, memoryOffset: number): void;
      disposeData(id: number): void;
    };
  };
  dataIdNextNumber: number;
  dataIdMap: { get(dataId: object): { id: number; memoryOffset: number } };
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  disposeData(dataId: object): boolean;
}

export type KernelParams = Parameters<KernelFunc>[0];

/** A C tensor id and whether it is a temporary alias that must be released. */
export interface HeapView {
  id: number;
  aliased: boolean;
}

/** Kernels replaced by the overrides, as the wasm package registered them on import. */
const stock = new Map<string, KernelConfig>(
  ['BatchMatMul', '_FusedMatMul', 'Slice', 'Unpack', 'SplitV'].map((name) => [
    name,
    getKernel(name, 'wasm'),
  ]),
);
const fusedMatMulC = new WeakMap<object, (...args: unknown[]) => void>();

export function stockKernel(name: string): KernelConfig {
  const config = stock.get(name);
  if (config === undefined) {
    throw new AdaptdError('INTERNAL', `no stock wasm kernel ${name} is known`, {
      context: { kernel: name, known: [...stock.keys()] },
    });
  }
  return config;
}

export function runStockKernel(name: string, params: KernelParams): TensorInfo | TensorInfo[] {
  return stockKernel(name).kernelFunc(params);
}

/** Runs a wasm kernel that is not overridden, such as Transpose or Add. */
export function runWasmKernel(name: string, params: KernelParams): TensorInfo {
  return getKernel(name, 'wasm').kernelFunc(params) as TensorInfo;
}

export function memoryOffset(backend: WasmBackend, t: TensorInfo): number {
  return backend.dataIdMap.get(t.dataId).memoryOffset;
}

/** The C id of `size` float32 elements of t from element `at`: t's own id when that is all. */
export function heapView(backend: WasmBackend, t: TensorInfo, at: number, size: number): HeapView {
  if (at === 0 && size === sizeOf(t)) {
    return { id: backend.dataIdMap.get(t.dataId).id, aliased: false };
  }
  return aliasView(backend, t, at, size);
}

/**
 * Registers a fresh C tensor id over part of t's float32 memory, so C kernels read or write
 * that part in place; release it with releaseView. The JavaScript side never sees the id.
 */
export function aliasView(backend: WasmBackend, t: TensorInfo, at: number, size: number): HeapView {
  const id = backend.dataIdNextNumber++;
  backend.wasm.tfjs.registerTensor(id, size, memoryOffset(backend, t) + at * 4);
  return { id, aliased: true };
}

/** Drops an alias from the C registry; its memory stays with the tensor it aliases. */
export function releaseView(backend: WasmBackend, view: HeapView): void {
  if (view.aliased) backend.wasm.tfjs.disposeData(view.id);
}

/** The C export behind _FusedMatMul, bound once per WebAssembly module. */
export function fusedMatMulFunction(backend: WasmBackend): (...args: unknown[]) => void {
  let fn = fusedMatMulC.get(backend.wasm);
  if (fn === undefined) {
    const shapes = ['number', 'array', 'number', 'number', 'array', 'number'];
    fn = backend.wasm.cwrap('_FusedMatMul', null, [...shapes, ...Array<string>(7).fill('number')]);
    fusedMatMulC.set(backend.wasm, fn);
  }
  return fn;
}

function sizeOf(t: TensorInfo): number {
  return t.shape.reduce((product, dim) => product * dim, 1);
}
