/**
 * Cost of each transfer strategy of part A on a model of the default pretraining size
 * (64-row windows, 30 channels in 5 modalities, width 64, 2 blocks, 64 GRU units, all
 * heads) with synthetic windows: milliseconds per optimiser step (from runs of 4 and 12
 * steps, so copying and embedding drop out) and seconds for a whole adapt call at the
 * strategy's default steps for the embedding-only strategies. Process CPU time, one core.
 * Run: npx tsx bench/strategies/adapt.bench.ts [--backend wasm]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { createLogger } from '../../src/log.js';
import { selectBackend, type BackendPreference } from '../../src/model/backend/selectBackend.js';
import type { ModelConfig } from '../../src/model/modelConfig.js';
import { HEADS } from '../../src/model/pretrainModel.js';
import { SensorModel } from '../../src/model/sensorModel.js';
import type { LabelledWindows } from '../../src/model/training/windowBatch.js';
import { findStrategy } from '../../src/strategies/registry.js';
import type { TransferTask } from '../../src/strategies/strategy.js';
import { syntheticWindows } from '../../test/support/syntheticWindows.js';

const { values } = parseArgs({
  options: { backend: { type: 'string', default: 'wasm' } },
});
const logger = createLogger({ level: 'warn', destination: process.stderr });
const backend = await selectBackend({ prefer: values.backend as BackendPreference, logger });

const config: ModelConfig = {
  windowLength: 64,
  patch: 4,
  channels: 30,
  modalities: ['current', 'accel', 'gyro', 'magnet', 'vibration'].map((name, m) => ({
    name,
    channels: Array.from({ length: 6 }, (_, c) => m * 6 + c),
  })),
  contextSize: 8,
  width: 64,
  attentionHeads: 4,
  blocks: 2,
  feedForward: 128,
  adapterWidth: 16,
  recurrentUnits: 64,
  heads: HEADS,
};
const base = new SensorModel(config, 1);
const make = (count: number, seed: number, step: boolean): LabelledWindows => {
  const windows = syntheticWindows(count, 64, 30, 8, seed);
  if (!step) return windows;
  // Per-row motion labels on the rows that carry the signal, as in the unit tests.
  const perRow = new Int32Array(count * 64).fill(-1);
  windows.labels.motion!.forEach((label, w) => perRow.fill(label, w * 64 + 60, w * 64 + 64));
  return { ...windows, labels: { ...windows.labels, motion: perRow } };
};
const operation: TransferTask = { head: 'operation', classes: ['face', 'pocket', 'adaptive'] };
const motion: TransferTask = { head: 'motion', classes: ['G0', 'G1', 'G2', 'G3'], step: true };

/**
 * CPU seconds of this process for `run`: on a shared machine wall time counts other
 * processes' turns, while one wasm thread's CPU time is what an idle core would take.
 */
async function seconds(run: () => Promise<void>): Promise<number> {
  const started = process.cpuUsage();
  await run();
  const used = process.cpuUsage(started);
  return (used.user + used.system) / 1e6;
}

const rows: { strategy: string; task: string; msPerStep?: number; adaptSeconds?: number }[] = [];
for (const [name, task] of [
  ['finetune-llrd', operation],
  ['adapters', operation],
  ['gcode-self', motion],
] as const) {
  const step = task.step === true;
  const data = {
    source: make(512, 1, step),
    target: make(256, 2, step),
    support: make(12, 3, step),
  };
  const strategy = findStrategy(name);
  const time = (steps: number): Promise<number> =>
    seconds(async () => (await strategy.adapt(base, task, data, { seed: 1, steps })).dispose());
  await time(2);
  const short = await time(4);
  const long = await time(12);
  rows.push({ strategy: name, task: task.head, msPerStep: ((long - short) / 8) * 1000 });
}
for (const name of ['linear-probe', 'mlp-probe', 'prototypes']) {
  const data = {
    source: make(512, 1, false),
    target: make(256, 2, false),
    support: make(12, 3, false),
  };
  const strategy = findStrategy(name);
  const adaptSeconds = await seconds(async () =>
    (await strategy.adapt(base, operation, data, { seed: 1 })).dispose(),
  );
  rows.push({ strategy: name, task: 'operation', adaptSeconds });
}
const result = {
  date: new Date().toISOString(),
  backend: backend.name,
  parameters: base.store.parameterCount(),
  sourceWindows: 512,
  batchSize: 32,
  tensorsAfter: tf.memory().numTensors,
  rows,
};
await mkdir('bench/results', { recursive: true });
await writeFile('bench/results/strategies.json', JSON.stringify(result, null, 2));
console.log(
  `backend ${backend.name}, ${result.parameters} parameters, batch 32, 512 source windows`,
);
console.log('| strategy | task | CPU ms per step | CPU seconds per adapt (default steps) |');
console.log('| --- | --- | --- | --- |');
for (const r of rows) {
  console.log(
    `| ${r.strategy} | ${r.task} | ${r.msPerStep?.toFixed(0) ?? '-'} | ${r.adaptSeconds?.toFixed(1) ?? '-'} |`,
  );
}
base.dispose();
