/**
 * Embedding throughput of a model artifact on one core: 1,000 real windows, batch 1,
 * 32 and 64, median of repeated passes. Writes JSON to bench/results/ and prints a table.
 * Run: npx tsx bench/model/embed.bench.ts [--model models/s1-standard] [--backend wasm]
 */
import * as tf from '@tensorflow/tfjs';
import { mkdir, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { defaultDataDir, listRuns } from '../../src/data/runCatalog.js';
import { readRun } from '../../src/data/runReader.js';
import { buildWindowSet } from '../../src/data/windows.js';
import { createLogger } from '../../src/log.js';
import { selectBackend, type BackendPreference } from '../../src/model/backend/selectBackend.js';
import { labelledWindows, loadModelBundle } from '../../src/model/modelBundle.js';
import { predictWindows } from '../../src/model/predictWindows.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'models/s1-standard' },
    backend: { type: 'string', default: 'wasm' },
    windows: { type: 'string', default: '1000' },
    repeats: { type: 'string', default: '5' },
  },
});
const logger = createLogger({ level: 'warn', destination: process.stderr });
const backend = await selectBackend({ prefer: values.backend as BackendPreference, logger });
const bundle = await loadModelBundle(values.model);
const wanted = Number(values.windows);
const frames = [];
let rows = 0;
// Read runs until their rows give about twice the windows wanted (stretches lose some).
for (const run of await listRuns(defaultDataDir())) {
  const frame = await readRun(run);
  frames.push(frame);
  rows += frame.rows;
  if (rows / bundle.window.stride >= 2 * wanted) break;
}
const set = buildWindowSet(frames, bundle.schema, bundle.normaliser, bundle.window);
const indices = Array.from({ length: Math.min(wanted, set.count) }, (_, i) => i);
const windows = labelledWindows(set);

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const results: { batch: number; windowsPerSecond: number; msPerBatch: number }[] = [];
for (const batch of [1, 32, 64]) {
  const count = batch === 1 ? Math.min(200, indices.length) : indices.length;
  const subset = indices.slice(0, count);
  await predictWindows(bundle.model, windows, subset.slice(0, batch * 2), batch);
  const times: number[] = [];
  for (let r = 0; r < Number(values.repeats); r += 1) {
    const started = performance.now();
    await predictWindows(bundle.model, windows, subset, batch);
    times.push((performance.now() - started) / 1000);
  }
  const seconds = median(times);
  results.push({
    batch,
    windowsPerSecond: count / seconds,
    msPerBatch: (seconds * 1000 * batch) / count,
  });
}
const result = {
  date: new Date().toISOString(),
  backend: backend.name,
  model: values.model,
  parameters: bundle.model.store.parameterCount(),
  windows: indices.length,
  tensorsAfter: tf.memory().numTensors,
  rows: results,
};
await mkdir('bench/results', { recursive: true });
await writeFile('bench/results/embed.json', JSON.stringify(result, null, 2));
console.log(`backend ${backend.name}, ${indices.length} real windows, median of ${values.repeats}`);
console.log('| batch | windows/s | ms per batch |');
console.log('| --- | --- | --- |');
for (const r of results) {
  console.log(`| ${r.batch} | ${r.windowsPerSecond.toFixed(0)} | ${r.msPerBatch.toFixed(2)} |`);
}
bundle.model.dispose();
