/**
 * How cost grows with the sizes that vary between machines and deployments, on the
 * WebAssembly backend with adaptd's kernel overrides, one core, process CPU time:
 * - window length and channel count: embedding ms per window (batch 32) and adaptation ms per
 *   step (adapters + head, CE + MMD + DANN, 32 + 32 windows) of a model of the committed
 *   model's sizes otherwise (random weights; cost does not depend on the values);
 * - buffer size: one adaptation round of fixed steps and the buffer's bytes;
 * - drift reference size: microseconds per online MMD step (src/drift/onlineMmd.ts), which
 *   must stay linear in the reference size.
 * Memory: the WebAssembly heap after each case (it grows and never shrinks, so it reads as
 * the high-water mark so far) and the process's resident set.
 * Run: npm run bench:growth
 * Writes bench/results/growth/growth.{json,md}.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { OnlineMmd } from '../../src/drift/onlineMmd.js';
import { ReferenceKernel } from '../../src/drift/referenceKernel.js';
import { silentLogger } from '../../src/log.js';
import { selectBackend } from '../../src/model/backend/selectBackend.js';
import { modelConfigSchema, type ModelConfig } from '../../src/model/modelConfig.js';
import { SensorModel } from '../../src/model/sensorModel.js';
import { disposeInputs, windowBatch } from '../../src/model/training/windowBatch.js';
import type { LabelledWindows } from '../../src/model/training/windowBatch.js';
import { gaussian, seededRandom } from '../../src/util/random.js';
import { syntheticWindows } from '../../test/support/syntheticWindows.js';
import { fixed, machineInfo, median, timed, writeResults } from '../support/benchSupport.js';
import { adaptRound } from './adaptRound.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'models/s1-standard' },
    repeats: { type: 'string', default: '3' },
  },
});
const repeats = Number(values.repeats);
const machine = await machineInfo();
await selectBackend({ prefer: 'wasm', logger: silentLogger });
const committed = modelConfigSchema.parse(
  JSON.parse(await readFile(`${values.model}/topology.json`, 'utf8')),
);

const wasmHeapMb = (): number => {
  const backend = tf.backend() as unknown as { wasm?: { HEAPU8: Uint8Array } };
  return (backend.wasm?.HEAPU8.length ?? 0) / 2 ** 20;
};
const rssMb = (): number => process.memoryUsage().rss / 2 ** 20;

/** The committed sizes with `channels` spread over the same five modalities. */
function configWith(windowLength: number, channels: number): ModelConfig {
  const m = committed.modalities.length;
  const per = Math.floor(channels / m);
  const modalities = committed.modalities.map((modality, i) => ({
    name: modality.name,
    channels: Array.from(
      { length: i === m - 1 ? channels - per * (m - 1) : per },
      (_, c) => i * per + c,
    ),
  }));
  return { ...committed, windowLength, channels, modalities };
}

async function embedMsPerWindow(model: SensorModel, windows: LabelledWindows): Promise<number> {
  const indices = Array.from({ length: windows.count }, (_, i) => i);
  const pass = () =>
    timed(async () => {
      for (let start = 0; start < indices.length; start += 32) {
        const { inputs, clean } = windowBatch(windows, indices.slice(start, start + 32));
        const out = tf.tidy(() => model.forward(inputs, { headless: true }).embedding);
        disposeInputs(inputs);
        clean.dispose();
        await out.data();
        out.dispose();
      }
    });
  await pass();
  const times = [];
  for (let r = 0; r < repeats; r += 1) times.push((await pass()).cpu);
  return (median(times) * 1000) / windows.count;
}

/** CPU ms per adaptation step, from rounds of 3 and 9 steps (set-up cancels out). */
async function adaptMsPerStep(
  model: SensorModel,
  source: LabelledWindows,
  target: LabelledWindows,
): Promise<number> {
  const round = (steps: number) =>
    timed(() =>
      adaptRound(model, {
        source,
        target,
        head: 'operation',
        steps,
        batchSize: 32,
        learningRate: 1e-3,
        seed: 1,
      }),
    );
  await round(1);
  const short = (await round(3)).cpu;
  const long = (await round(9)).cpu;
  return ((long - short) / 6) * 1000;
}

interface ShapeRow {
  windowLength: number;
  channels: number;
  embedMsPerWindow: number;
  adaptMsPerStep: number;
  wasmHeapMb: number;
  rssMb: number;
}
async function shapeCase(windowLength: number, channels: number): Promise<ShapeRow> {
  const config = configWith(windowLength, channels);
  const model = new SensorModel(config, 1);
  const source = syntheticWindows(128, windowLength, channels, config.contextSize, 1);
  const target = syntheticWindows(128, windowLength, channels, config.contextSize, 2);
  try {
    const row = {
      windowLength,
      channels,
      embedMsPerWindow: await embedMsPerWindow(model, source),
      adaptMsPerStep: await adaptMsPerStep(model, source, target),
      wasmHeapMb: wasmHeapMb(),
      rssMb: rssMb(),
    };
    console.error(JSON.stringify(row));
    return row;
  } finally {
    model.dispose();
  }
}

const lengths: ShapeRow[] = [];
for (const length of [32, 64, 128, 256]) lengths.push(await shapeCase(length, committed.channels));
const channelRows: ShapeRow[] = [];
for (const channels of [34, 67, 134, 268]) {
  channelRows.push(await shapeCase(committed.windowLength, channels));
}

// Buffer size: a round of fixed steps on the committed sizes.
const bufferRows = [];
{
  const model = new SensorModel(committed, 1);
  const { windowLength: length, channels, contextSize } = committed;
  for (const size of [64, 256, 1024, 4096]) {
    const source = syntheticWindows(size, length, channels, contextSize, 3);
    const target = syntheticWindows(size, length, channels, contextSize, 4);
    const seconds = [];
    for (let r = 0; r < repeats; r += 1) {
      seconds.push(
        (
          await timed(() =>
            adaptRound(model, {
              source,
              target,
              head: 'operation',
              steps: 8,
              batchSize: 32,
              learningRate: 1e-3,
              seed: r + 1,
            }),
          )
        ).cpu,
      );
    }
    const row = {
      buffer: size,
      roundCpuSeconds: median(seconds),
      bufferMb: (2 * size * (length * channels + channels + contextSize) * 4) / 2 ** 20,
      wasmHeapMb: wasmHeapMb(),
      rssMb: rssMb(),
    };
    console.error(JSON.stringify(row));
    bufferRows.push(row);
  }
  model.dispose();
}

// Drift: online MMD step against the reference size (embedding width of the model).
const dim = committed.recurrentUnits;
const random = seededRandom(1);
const gaussianRows = (count: number) =>
  Float32Array.from({ length: count * dim }, () => gaussian(random));
const stream = gaussianRows(3000);
const driftRows = [];
for (const n of [256, 512, 1024, 2048, 4096]) {
  const reference = gaussianRows(n);
  const online = new OnlineMmd(reference, 32, ReferenceKernel.fit(reference, dim));
  for (let t = 0; t < 200; t += 1) online.push(stream.subarray(t * dim, (t + 1) * dim));
  const t = await timed(() => {
    for (let s = 200; s < 3000; s += 1) online.push(stream.subarray(s * dim, (s + 1) * dim));
  });
  const micros = (t.cpu / 2800) * 1e6;
  driftRows.push({ reference: n, microsPerStep: micros, microsPerStepPerReferenceRow: micros / n });
}

const perRef = driftRows.map((d) => d.microsPerStepPerReferenceRow);
const md = [
  `Committed sizes otherwise (${committed.width} wide, ${committed.blocks} blocks, GRU ` +
    `${committed.recurrentUnits}, ${committed.modalities.length} modalities); synthetic windows; ` +
    `process CPU time, median of ${repeats}. WebAssembly heap: the high-water mark so far.`,
  '',
  '| window rows | channels | embed ms/window (batch 32) | adapt ms/step | wasm heap MB | RSS MB |',
  '| --- | --- | --- | --- | --- | --- |',
  ...[...lengths, ...channelRows].map(
    (r) =>
      `| ${r.windowLength} | ${r.channels} | ${fixed(r.embedMsPerWindow, 2)} | ` +
      `${fixed(r.adaptMsPerStep, 0)} | ${fixed(r.wasmHeapMb, 0)} | ${fixed(r.rssMb, 0)} |`,
  ),
  '',
  '| buffer windows (each domain) | round of 8 steps, CPU s | buffer MB (both domains) | wasm heap MB | RSS MB |',
  '| --- | --- | --- | --- | --- |',
  ...bufferRows.map(
    (r) =>
      `| ${r.buffer} | ${fixed(r.roundCpuSeconds, 2)} | ${fixed(r.bufferMb, 0)} | ` +
      `${fixed(r.wasmHeapMb, 0)} | ${fixed(r.rssMb, 0)} |`,
  ),
  '',
  `| drift reference rows | online MMD us/step | us/step per reference row |`,
  '| --- | --- | --- |',
  ...driftRows.map(
    (d) =>
      `| ${d.reference} | ${fixed(d.microsPerStep, 1)} | ${fixed(d.microsPerStepPerReferenceRow, 4)} |`,
  ),
  '',
  `Per-row cost of the drift step from ${fixed(Math.min(...perRef), 4)} to ` +
    `${fixed(Math.max(...perRef), 4)} us over a ${driftRows.at(-1)!.reference / driftRows[0]!.reference}x ` +
    `range of reference sizes: linear when this stays flat.`,
];
await writeResults(
  'growth',
  machine,
  {
    model: values.model,
    repeats,
    lengths,
    channels: channelRows,
    buffers: bufferRows,
    drift: driftRows,
  },
  md,
);
