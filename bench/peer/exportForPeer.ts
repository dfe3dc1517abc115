/**
 * Dumps what the PyTorch peer needs to be the same model as a SensorModel: every weight,
 * windows to feed it, and what TensorFlow.js computes on the check windows (embedding, last
 * state, every head's logits, the MMD^2 between the two halves of the check embeddings), as
 * .npy files and one manifest.json in a folder.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { SensorModel } from '../../src/model/sensorModel.js';
import { disposeInputs, windowBatch } from '../../src/model/training/windowBatch.js';
import type { LabelledWindows } from '../../src/model/training/windowBatch.js';
import { mmdLoss } from '../../src/strategies/alignment/mmd.js';
import { writeNpy } from './npy.js';

/** Some windows of a set, under a name the peer asks for. */
export interface PeerWindows {
  windows: LabelledWindows;
  indices: readonly number[];
  /** Heads whose labels go along (one per window; step heads are not exported). */
  labels?: readonly string[];
}

export interface PeerExport {
  dir: string;
  /** Number of check windows whose TFJS outputs were written. */
  checkWindows: number;
}

/**
 * Writes the model's weights, the named window sets and the TFJS outputs on `check` to
 * `dir` (created if missing).
 */
export async function exportForPeer(
  model: SensorModel,
  dir: string,
  check: PeerWindows,
  sets: Record<string, PeerWindows> = {},
): Promise<PeerExport> {
  await mkdir(join(dir, 'weights'), { recursive: true });
  const weights = [];
  for (const name of model.store.names()) {
    const variable = model.store.variable(name);
    await writeNpy(
      join(dir, 'weights', `${name}.npy`),
      (await variable.data()) as Float32Array,
      variable.shape,
    );
    weights.push({ name, shape: variable.shape });
  }
  const windowSets: Record<string, unknown> = {};
  for (const [name, set] of Object.entries({ check, ...sets })) {
    windowSets[name] = await writeWindows(dir, name, set);
  }
  const outputs = await writeOutputs(model, dir, check);
  const manifest = { config: model.config, weights, windowSets, outputs };
  await writeFile(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 1)}\n`);
  return { dir, checkWindows: check.indices.length };
}

async function writeWindows(dir: string, name: string, set: PeerWindows) {
  const { windows, indices } = set;
  const n = indices.length;
  const { x, mask } = windows.gather(indices);
  await writeNpy(join(dir, `${name}.x.npy`), x, [n, windows.length, windows.channels]);
  await writeNpy(join(dir, `${name}.mask.npy`), mask, [n, windows.channels]);
  await writeNpy(join(dir, `${name}.context.npy`), windows.context(indices), [
    n,
    windows.contextSize,
  ]);
  const labels: string[] = [];
  for (const head of set.labels ?? []) {
    const all = windows.labels[head];
    if (all === undefined || all.length !== windows.count) continue;
    await writeNpy(
      join(dir, `${name}.labels.${head}.npy`),
      Int32Array.from(indices, (i) => all[i]!),
      [n],
    );
    labels.push(head);
  }
  return { count: n, labels };
}

async function writeOutputs(model: SensorModel, dir: string, check: PeerWindows) {
  const { inputs, clean } = windowBatch(check.windows, check.indices);
  const half = Math.floor(check.indices.length / 2);
  const out = tf.tidy(() => {
    const result = model.forward(inputs);
    const tensors: Record<string, tf.Tensor> = {
      embedding: result.embedding,
      last: result.last,
    };
    for (const [head, logits] of Object.entries(result.logits)) {
      tensors[`logits.${head}`] = logits;
    }
    if (half >= 2) {
      tensors.mmd = mmdLoss(
        tf.slice(result.embedding, [0, 0], [half, -1]),
        tf.slice(result.embedding, [half, 0], [half, -1]),
      );
    }
    return tensors;
  });
  disposeInputs(inputs);
  clean.dispose();
  const written: Record<string, number[]> = {};
  try {
    for (const [name, tensor] of Object.entries(out)) {
      await writeNpy(
        join(dir, `check.out.${name}.npy`),
        (await tensor.data()) as Float32Array,
        tensor.shape.length === 0 ? [1] : tensor.shape,
      );
      written[name] = tensor.shape;
    }
  } finally {
    tf.dispose(Object.values(out));
  }
  return written;
}
