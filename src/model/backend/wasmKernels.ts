import {
  engine,
  getKernel,
  registerKernel,
  unregisterKernel,
  version_core,
  type KernelBackend,
  type KernelConfig,
} from '@tensorflow/tfjs';
import { version_wasm } from '@tensorflow/tfjs-backend-wasm';
import { AdaptdError } from '../../errors.js';
import { stockKernel } from './wasmInternals.js';
import { wasmMatMulKernels } from './wasmMatMul.js';
import { wasmSlicingKernels } from './wasmSlicing.js';

/**
 * The kernel overrides for the WebAssembly backend, installed and removed as one set.
 * They depend on private parts of TensorFlow.js (see wasmInternals.ts), so they run only
 * on the exact version they were written and tested against.
 *
 * Gradients are registered on kernel names, not on kernel implementations, so replacing
 * a forward kernel keeps autodiff as it was.
 */
export const PINNED_TFJS_VERSION = '4.22.0';

export const OVERRIDDEN_KERNELS = [
  'BatchMatMul',
  '_FusedMatMul',
  'Slice',
  'Unpack',
  'SplitV',
] as const;
export type OverriddenKernel = (typeof OVERRIDDEN_KERNELS)[number];

const OVERRIDES: readonly KernelConfig[] = [...wasmMatMulKernels, ...wasmSlicingKernels];

let installed = false;

export interface TfjsVersions {
  core: string;
  wasm: string;
}

/** Throws BACKEND_UNAVAILABLE unless tfjs-core and the wasm backend are the pinned version. */
export function assertPinnedVersions(
  found: TfjsVersions = { core: version_core, wasm: version_wasm },
): void {
  const packages = [
    ['@tensorflow/tfjs-core', found.core],
    ['@tensorflow/tfjs-backend-wasm', found.wasm],
  ] as const;
  for (const [name, version] of packages) {
    if (version !== PINNED_TFJS_VERSION) {
      throw new AdaptdError(
        'BACKEND_UNAVAILABLE',
        `wasm kernel overrides refuse ${name} ${version}: they depend on its internals and ` +
          `allow exactly ${PINNED_TFJS_VERSION}; pin that version or disable kernel overrides`,
        { context: { package: name, found: version, allowed: PINNED_TFJS_VERSION } },
      );
    }
  }
}

export function wasmKernelOverrides(): readonly KernelConfig[] {
  return OVERRIDES;
}

export function stockWasmKernels(): readonly KernelConfig[] {
  return OVERRIDDEN_KERNELS.map(stockKernel);
}

/** Registers the overrides for the wasm backend; does nothing when they are installed. */
export function installWasmKernels(): void {
  assertPinnedVersions();
  if (!installed) registerWasmKernels(OVERRIDES);
  installed = true;
}

/** Puts the stock kernels back. */
export function uninstallWasmKernels(): void {
  if (installed) registerWasmKernels(stockWasmKernels());
  installed = false;
}

export function wasmKernelsInstalled(): boolean {
  return installed;
}

/**
 * Runs fn with the given wasm kernels registered, then registers again the ones it found.
 * For comparing stock and override in one process; fn must be synchronous.
 */
export function withWasmKernels<T>(configs: readonly KernelConfig[], fn: () => T): T {
  const previous = configs.map((config) => getKernel(config.kernelName, 'wasm'));
  registerWasmKernels(configs);
  try {
    return fn();
  } finally {
    registerWasmKernels(previous);
  }
}

function registerWasmKernels(configs: readonly KernelConfig[]): void {
  // findBackend would start initialising the backend; the registry only holds live ones.
  const backend = engine().registry.wasm as KernelBackend | undefined;
  for (const config of configs) {
    unregisterKernel(config.kernelName, 'wasm');
    registerKernel(config);
    // The engine runs setup functions only when it switches backends.
    if (backend !== undefined) config.setupFunc?.(backend);
  }
}
