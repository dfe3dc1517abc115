/**
 * What the comparison benchmarks share: medians, process CPU time, the machine they ran on
 * (the CPU, its load while the bench ran) and writing JSON plus a Markdown summary to
 * bench/results/<name>/.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { defaultDataDir, listRuns } from '../../src/data/runCatalog.js';
import { readRun } from '../../src/data/runReader.js';
import { buildWindowSet } from '../../src/data/windows.js';
import { labelledWindows, type ModelBundle } from '../../src/model/modelBundle.js';
import type { LabelledWindows } from '../../src/model/training/windowBatch.js';
import { selectRuns, type RunChoice } from '../../src/transports/replay/selectRuns.js';

export const median = (xs: readonly number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

export const quantile = (sorted: readonly number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

export interface Timing {
  /** Wall seconds. */
  wall: number;
  /** Process CPU seconds (user + system). */
  cpu: number;
}

/** Wall and process-CPU seconds of `run`. */
export async function timed(run: () => unknown): Promise<Timing> {
  const cpu = process.cpuUsage();
  const wall = performance.now();
  await run();
  const used = process.cpuUsage(cpu);
  return { wall: (performance.now() - wall) / 1000, cpu: (used.user + used.system) / 1e6 };
}

export interface MachineInfo {
  date: string;
  cpus: number;
  cpuModel: string;
  /** 1-minute load average at the start and the end of the bench. */
  loadStart: number;
  loadEnd?: number;
  node: string;
  tfjs: string;
  note: string;
}

export async function machineInfo(): Promise<MachineInfo> {
  const cpuinfo = await readFile('/proc/cpuinfo', 'utf8').catch(() => '');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? 'unknown';
  return {
    date: new Date().toISOString(),
    cpus: availableParallelism(),
    cpuModel: model,
    loadStart: loadavg()[0]!,
    node: process.version,
    tfjs: tf.version.tfjs,
    note: 'shared machine: other work ran at the same time; ratios come from alternated runs',
  };
}

/** Writes <name>.json and <name>.md to bench/results/<name>/ and prints the Markdown. */
export async function writeResults(
  name: string,
  machine: MachineInfo,
  result: Record<string, unknown>,
  markdown: string[],
): Promise<string> {
  machine.loadEnd = loadavg()[0]!;
  const dir = join('bench', 'results', name);
  await mkdir(dir, { recursive: true });
  const header = [
    `# ${name}`,
    '',
    `${machine.date}; ${machine.cpus} x ${machine.cpuModel}; load average ` +
      `${machine.loadStart.toFixed(2)} at the start, ${machine.loadEnd.toFixed(2)} at the end ` +
      `(${machine.note}); Node ${machine.node}, TensorFlow.js ${machine.tfjs}.`,
    '',
  ];
  const text = [...header, ...markdown, ''].join('\n');
  await writeFile(
    join(dir, `${name}.json`),
    `${JSON.stringify({ machine, ...result }, null, 2)}\n`,
  );
  await writeFile(join(dir, `${name}.md`), text);
  console.log(text);
  return dir;
}

/**
 * Real windows of the recorded runs cut as the bundle's model expects: of every run chosen
 * (by id or group), else of the first runs until about `wanted` windows.
 */
export async function realWindows(
  bundle: ModelBundle,
  wanted: number,
  choice?: RunChoice,
): Promise<LabelledWindows> {
  const frames = [];
  let rows = 0;
  const all = await listRuns(defaultDataDir());
  const runs = choice === undefined ? all : selectRuns(all, choice);
  for (const run of runs) {
    const frame = await readRun(run);
    frames.push(frame);
    rows += frame.rows;
    // Stretches lose some windows at their edges: read about twice what is wanted, and every
    // run named.
    if (choice === undefined && rows / bundle.window.stride >= 2 * wanted) break;
  }
  return labelledWindows(buildWindowSet(frames, bundle.schema, bundle.normaliser, bundle.window));
}

/** Rounds for tables. */
export const fixed = (value: number, digits = 1): string =>
  Number.isFinite(value) ? value.toFixed(digits) : '-';

/**
 * A fixed buffer of `count` windows of a set, spread evenly over it (so every run and
 * operation read contributes), as a set of its own with window-level labels carried along.
 */
export function windowBuffer(windows: LabelledWindows, count: number): LabelledWindows {
  const n = Math.min(count, windows.count);
  const chosen = Array.from({ length: n }, (_, i) => Math.floor((i * windows.count) / n));
  const labels: Record<string, Int32Array> = {};
  for (const [head, all] of Object.entries(windows.labels)) {
    if (all.length === windows.count) labels[head] = Int32Array.from(chosen, (w) => all[w]!);
  }
  return {
    count: n,
    length: windows.length,
    channels: windows.channels,
    contextSize: windows.contextSize,
    gather: (indices) => windows.gather(indices.map((i) => chosen[i]!)),
    context: (indices) => windows.context(indices.map((i) => chosen[i]!)),
    labels,
  };
}
