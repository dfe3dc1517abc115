import * as tf from '@tensorflow/tfjs';
import { AdaptdError } from '../../errors.js';
import { silentLogger, type Logger } from '../../log.js';
import { assertSelfTestPassed, selfTest } from './kernelSelfTest.js';
import { installWasmKernels, uninstallWasmKernels } from './wasmKernels.js';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export type BackendPreference = 'auto' | BackendName;

/** Every allowed preference, for configuration schemas. */
export const BACKEND_PREFERENCES: readonly BackendPreference[] = [
  'auto',
  'tensorflow',
  'wasm',
  'cpu',
];

export function isBackendPreference(value: unknown): value is BackendPreference {
  return BACKEND_PREFERENCES.includes(value as BackendPreference);
}
export type NativeBinding = '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node';

export interface BackendChoice {
  name: BackendName;
  binding?: NativeBinding;
  reason: string;
}

export interface SelectBackendOptions {
  /** 'auto' tries tensorflow, wasm, cpu in that order; a name tries only that backend. */
  prefer?: BackendPreference;
  logger?: Logger;
  /** Install and self-test the wasm kernel overrides when wasm is chosen (default true). */
  kernelOverrides?: boolean;
}

/** Loads a module by name. Replaced in tests, since the native bindings are not installed. */
export type ModuleImporter = (specifier: string) => Promise<unknown>;

export interface BackendSelector {
  select(options?: SelectBackendOptions): Promise<BackendChoice>;
  /** The choice made, once made: for the backend info metric. */
  selected(): BackendChoice | undefined;
}

const BINDINGS: readonly NativeBinding[] = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'];
const ORDER: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

/** A failed attempt: why one backend (or one binding of it) was not taken. */
interface Skip {
  backend: BackendName;
  binding?: NativeBinding;
  reason: string;
}

/**
 * Makes the selector behind selectBackend. The native bindings are imported only when
 * tried, never required: they download libtensorflow when installed and exist only on
 * machines set up for them (the CUDA image).
 */
export function createBackendSelector(
  importModule: ModuleImporter = importByName,
): BackendSelector {
  let pending: { key: string; choice: Promise<BackendChoice> } | undefined;
  let chosen: BackendChoice | undefined;

  const choose = async (options: SelectBackendOptions): Promise<BackendChoice> => {
    const prefer = options.prefer ?? 'auto';
    const log = (options.logger ?? silentLogger).child({ component: 'backend' });
    const skips: Skip[] = [];
    for (const name of prefer === 'auto' ? ORDER : [prefer]) {
      const attempt = await tryBackend(name, importModule, options.kernelOverrides !== false, log);
      if ('skips' in attempt) {
        for (const skip of attempt.skips) log.info(skip, 'backend skipped');
        skips.push(...attempt.skips);
        continue;
      }
      const { binding, reason } = attempt;
      const degraded = name === 'cpu' && prefer === 'auto';
      log[degraded ? 'warn' : 'info']({ backend: name, binding, reason }, 'backend selected');
      chosen = attempt;
      return attempt;
    }
    throw new AdaptdError(
      'BACKEND_UNAVAILABLE',
      `no TensorFlow.js backend could be initialised for prefer=${prefer}: ` +
        `${skips.map((s) => `${s.binding ?? s.backend}: ${s.reason}`).join('; ')}; ` +
        `allowed preferences are ${BACKEND_PREFERENCES.join(', ')}`,
      { context: { prefer, skips } },
    );
  };

  return {
    select(options = {}) {
      const key = `prefer=${options.prefer ?? 'auto'} kernelOverrides=${options.kernelOverrides !== false}`;
      if (pending !== undefined && pending.key !== key) {
        const message = `backend already selected with ${pending.key}, asked again with ${key}; select once per process`;
        const context = { selected: pending.key, requested: key };
        return Promise.reject(new AdaptdError('INTERNAL', message, { context }));
      }
      if (pending === undefined) {
        const choice = choose(options);
        pending = { key, choice };
        // A failed selection may be tried again; the caller sees the rejection itself.
        choice.catch(() => {
          if (pending?.choice === choice) pending = undefined;
        });
      }
      return pending.choice;
    },
    selected: () => chosen,
  };
}

async function tryBackend(
  name: BackendName,
  importModule: ModuleImporter,
  kernelOverrides: boolean,
  log: Logger,
): Promise<BackendChoice | { skips: Skip[] }> {
  switch (name) {
    case 'tensorflow':
      return tryNative(importModule);
    case 'wasm':
      return tryWasm(kernelOverrides, log);
    case 'cpu':
      return (await activate('cpu'))
        ? { name, reason: 'plain JavaScript backend, about 50 times slower on matrix work' }
        : { skips: [{ backend: name, reason: 'the CPU backend did not initialise' }] };
  }
}

async function tryNative(importModule: ModuleImporter): Promise<BackendChoice | { skips: Skip[] }> {
  const skips: Skip[] = [];
  for (const binding of BINDINGS) {
    const skip = (reason: string) => skips.push({ backend: 'tensorflow', binding, reason });
    try {
      await importModule(binding);
    } catch (error) {
      skip(isModuleNotFound(error) ? 'not installed' : `failed to load: ${messageOf(error)}`);
      continue;
    }
    if (tf.findBackendFactory('tensorflow') === null) {
      // A binding built against another tfjs-core copy registers its backend there.
      skip('loaded, but registered no tensorflow backend with this @tensorflow/tfjs-core');
    } else if (await activate('tensorflow')) {
      return { name: 'tensorflow', binding, reason: `native TensorFlow through ${binding}` };
    } else {
      skip('loaded, but the tensorflow backend did not initialise');
    }
  }
  return { skips };
}

async function tryWasm(
  kernelOverrides: boolean,
  log: Logger,
): Promise<BackendChoice | { skips: Skip[] }> {
  if (!(await withoutAddedProcessHandlers(() => activate('wasm')))) {
    return { skips: [{ backend: 'wasm', reason: 'the WebAssembly module did not initialise' }] };
  }
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  const base = `WebAssembly, one thread, SIMD ${simd ? 'on' : 'off'}`;
  if (!kernelOverrides) return { name: 'wasm', reason: `${base}, stock kernels` };
  installWasmKernels();
  const report = selfTest();
  try {
    assertSelfTestPassed(report);
  } catch (error) {
    uninstallWasmKernels();
    throw error;
  }
  log.info({ kernels: report.kernels }, 'kernel overrides self-tested');
  return { name: 'wasm', reason: `${base}, kernel overrides installed and self-tested` };
}

async function activate(name: BackendName): Promise<boolean> {
  try {
    return await tf.setBackend(name);
  } catch {
    return false;
  }
}

/**
 * Runs init and removes the process handlers it added. The WebAssembly module's Node glue
 * adds handlers that rethrow, which turns every later uncaught error into exit code 7 with
 * a stack pointing into the wasm bundle, hiding adaptd's own exit codes.
 */
async function withoutAddedProcessHandlers<T>(init: () => Promise<T>): Promise<T> {
  const uncaught = process.listeners('uncaughtException');
  const unhandled = process.listeners('unhandledRejection');
  try {
    return await init();
  } finally {
    for (const listener of process.listeners('uncaughtException')) {
      if (!uncaught.includes(listener)) process.removeListener('uncaughtException', listener);
    }
    for (const listener of process.listeners('unhandledRejection')) {
      if (!unhandled.includes(listener)) process.removeListener('unhandledRejection', listener);
    }
  }
}

async function importByName(specifier: string): Promise<unknown> {
  const loaded: unknown = await import(specifier);
  return loaded;
}

function isModuleNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const defaultSelector = createBackendSelector();

/**
 * Chooses and activates the TensorFlow.js backend for this process, once: later calls with
 * the same options return the same choice. Logs the choice and every skipped candidate.
 */
export function selectBackend(options: SelectBackendOptions = {}): Promise<BackendChoice> {
  return defaultSelector.select(options);
}

/** The backend selectBackend chose, or undefined before it has. */
export function selectedBackend(): BackendChoice | undefined {
  return defaultSelector.selected();
}
