import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import * as tf from '@tensorflow/tfjs';
import { isAdaptdError } from '../../../src/errors.js';
import { createLogger, type Logger } from '../../../src/log.js';
import {
  BACKEND_PREFERENCES,
  createBackendSelector,
  isBackendPreference,
  selectBackend,
  selectedBackend,
  type ModuleImporter,
} from '../../../src/model/backend/selectBackend.js';
import {
  uninstallWasmKernels,
  wasmKernelsInstalled,
} from '../../../src/model/backend/wasmKernels.js';

interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

function capturingLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as LogLine);
      done();
    },
  });
  return { logger: createLogger({ level: 'info', destination }), lines };
}

function notFound(specifier: string): Error {
  return Object.assign(new Error(`Cannot find package '${specifier}'`), {
    code: 'ERR_MODULE_NOT_FOUND',
  });
}

/** Neither native binding is installed, as on this machine. */
const noBindings: ModuleImporter = (specifier) => Promise.reject(notFound(specifier));

let kernelsCopied = false;

/** What loading @tensorflow/tfjs-node does: register a backend named tensorflow. */
function registerFakeTensorflowBackend(): void {
  if (tf.findBackendFactory('tensorflow') !== null) return;
  tf.registerBackend('tensorflow', () => new tf.MathBackendCPU());
  // Kernels outlive removeBackend; copying them twice would warn for each one.
  if (!kernelsCopied) tf.copyRegisteredKernels('cpu', 'tensorflow');
  kernelsCopied = true;
}

describe('selectBackend', () => {
  beforeEach(() => uninstallWasmKernels());
  afterEach(async () => {
    if (tf.findBackendFactory('tensorflow') !== null) tf.removeBackend('tensorflow');
    await tf.setBackend('wasm');
  });

  it('in auto, takes wasm with self-tested overrides when no binding is installed', async () => {
    const { logger, lines } = capturingLogger();
    const choice = await createBackendSelector(noBindings).select({ logger });
    assert.equal(choice.name, 'wasm');
    assert.equal(choice.binding, undefined);
    assert.match(choice.reason, /overrides installed and self-tested/);
    assert.equal(tf.getBackend(), 'wasm');
    assert.equal(wasmKernelsInstalled(), true);
    const skipped = lines.filter((line) => line.msg === 'backend skipped');
    assert.deepEqual(
      skipped.map((line) => [line.binding, line.reason]),
      [
        ['@tensorflow/tfjs-node-gpu', 'not installed'],
        ['@tensorflow/tfjs-node', 'not installed'],
      ],
    );
    const selected = lines.find((line) => line.msg === 'backend selected');
    assert.equal(selected?.backend, 'wasm');
    assert.equal(selected?.component, 'backend');
    const selfTested = lines.find((line) => line.msg === 'kernel overrides self-tested');
    assert.equal((selfTested?.kernels as unknown[]).length, 5);
  });

  it('in auto, takes the tensorflow backend from the first binding that loads', async () => {
    const imported: string[] = [];
    const importer: ModuleImporter = (specifier) => {
      imported.push(specifier);
      if (specifier === '@tensorflow/tfjs-node-gpu') return Promise.reject(notFound(specifier));
      registerFakeTensorflowBackend();
      return Promise.resolve({});
    };
    const choice = await createBackendSelector(importer).select({ prefer: 'auto' });
    assert.deepEqual(choice, {
      name: 'tensorflow',
      binding: '@tensorflow/tfjs-node',
      reason: 'native TensorFlow through @tensorflow/tfjs-node',
    });
    assert.deepEqual(imported, ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']);
    assert.equal(tf.getBackend(), 'tensorflow');
    assert.equal(wasmKernelsInstalled(), false);
  });

  it('skips a binding that fails to load or registers its backend elsewhere', async () => {
    const { logger, lines } = capturingLogger();
    const importer: ModuleImporter = (specifier) =>
      specifier === '@tensorflow/tfjs-node-gpu'
        ? Promise.reject(new Error('libcudart.so.11.0: cannot open shared object file'))
        : Promise.resolve({});
    const choice = await createBackendSelector(importer).select({ logger });
    assert.equal(choice.name, 'wasm');
    const reasons = lines.filter((line) => line.msg === 'backend skipped').map((l) => l.reason);
    assert.deepEqual(reasons, [
      'failed to load: libcudart.so.11.0: cannot open shared object file',
      'loaded, but registered no tensorflow backend with this @tensorflow/tfjs-core',
    ]);
  });

  it('chooses once: the same options give the same choice, other options are refused', async () => {
    const { logger, lines } = capturingLogger();
    const selector = createBackendSelector(noBindings);
    const first = await selector.select({ logger });
    const again = await selector.select({ logger, prefer: 'auto' });
    assert.equal(again, first);
    assert.equal(selector.selected(), first);
    assert.equal(lines.filter((line) => line.msg === 'backend selected').length, 1);
    await assert.rejects(selector.select({ prefer: 'cpu' }), (error: unknown) =>
      isAdaptdError(error, 'INTERNAL'),
    );
    assert.equal(tf.getBackend(), 'wasm');
  });

  it('fails on a named backend that is missing, without falling back', async () => {
    await tf.setBackend('cpu');
    const selector = createBackendSelector(noBindings);
    await assert.rejects(
      selector.select({ prefer: 'tensorflow' }),
      (error: unknown) =>
        isAdaptdError(error, 'BACKEND_UNAVAILABLE') &&
        error.message.includes('@tensorflow/tfjs-node-gpu: not installed') &&
        error.message.includes('@tensorflow/tfjs-node: not installed'),
    );
    assert.equal(selector.selected(), undefined);
    assert.equal(tf.getBackend(), 'cpu');
  });

  it('may be tried again after a failure', async () => {
    let installed = false;
    const importer: ModuleImporter = (specifier) => {
      if (!installed) return Promise.reject(notFound(specifier));
      registerFakeTensorflowBackend();
      return Promise.resolve({});
    };
    const selector = createBackendSelector(importer);
    await assert.rejects(selector.select({ prefer: 'tensorflow' }));
    installed = true;
    assert.equal((await selector.select({ prefer: 'tensorflow' })).name, 'tensorflow');
  });

  it('leaves the stock wasm kernels in place when overrides are disabled', async () => {
    const choice = await createBackendSelector(noBindings).select({
      prefer: 'wasm',
      kernelOverrides: false,
    });
    assert.equal(choice.name, 'wasm');
    assert.match(choice.reason, /stock kernels/);
    assert.equal(wasmKernelsInstalled(), false);
  });

  const resolvable = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'].filter((name) => {
    try {
      createRequire(import.meta.url).resolve(name);
      return true;
    } catch {
      return false;
    }
  });
  it(
    'reports a binding that is not installed as such through the real import',
    { skip: resolvable.length > 0 && `${resolvable.join(', ')} installed here` },
    async () => {
      const { logger, lines } = capturingLogger();
      await assert.rejects(createBackendSelector().select({ prefer: 'tensorflow', logger }));
      const reasons = lines.filter((line) => line.msg === 'backend skipped').map((l) => l.reason);
      assert.deepEqual(reasons, ['not installed', 'not installed']);
    },
  );

  it("leaves uncaught errors to node: exit code 1, not the wasm glue's 7", async () => {
    const module = fileURLToPath(
      new URL('../../../src/model/backend/selectBackend.ts', import.meta.url),
    );
    const script = [
      `import { selectBackend } from ${JSON.stringify(module)};`,
      "await selectBackend({ prefer: 'wasm', kernelOverrides: false });",
      "setTimeout(() => { throw new Error('boom'); });",
    ].join('\n');
    const args = ['--import', 'tsx', '--input-type=module', '-e', script];
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>(
      (resolve) => {
        execFile(process.execPath, args, { timeout: 60_000 }, (error, _stdout, stderr) =>
          resolve({ code: error === null ? 0 : (error.code as number | null), stderr }),
        );
      },
    );
    assert.equal(code, 1, stderr.slice(0, 500));
    assert.match(stderr, /Error: boom/);
  });

  it('tells allowed preferences from other strings', () => {
    assert.deepEqual(BACKEND_PREFERENCES, ['auto', 'tensorflow', 'wasm', 'cpu']);
    assert.equal(isBackendPreference('wasm'), true);
    assert.equal(isBackendPreference('webgl'), false);
    assert.equal(isBackendPreference(undefined), false);
  });

  it('exposes the process-wide choice for the backend metric', async () => {
    assert.equal(selectedBackend(), undefined);
    const choice = await selectBackend({ prefer: 'cpu' });
    assert.equal(choice.name, 'cpu');
    assert.equal(selectedBackend(), choice);
    assert.equal(tf.getBackend(), 'cpu');
  });
});
