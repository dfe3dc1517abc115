import * as tf from '@tensorflow/tfjs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { AdaptdError } from '../../errors.js';
import { exists, recoverFolder, sha256, writeFolderAtomic } from '../../util/atomicFs.js';
import type { CheckpointStore, LoopState } from './pretrainLoop.js';

const stateSchema = z.object({
  fingerprint: z.string(),
  nextEpoch: z.number().int().nonnegative(),
  bestScore: z.number().nullable(),
  bestEpoch: z.number().int(),
  history: z.array(
    z.object({ epoch: z.number(), loss: z.number(), score: z.number(), seconds: z.number() }),
  ),
  hashes: z.record(z.string(), z.string()),
});

async function encode(map: tf.NamedTensorMap): Promise<{ bytes: Uint8Array; specs: string }> {
  const encoded = await tf.io.encodeWeights(map);
  return {
    bytes: new Uint8Array(encoded.data as ArrayBuffer),
    specs: JSON.stringify(encoded.specs),
  };
}

function decode(bytes: Buffer, specs: string): tf.NamedTensorMap {
  return tf.io.decodeWeights(
    new Uint8Array(bytes).buffer,
    JSON.parse(specs) as tf.io.WeightsManifestEntry[],
  );
}

/**
 * A resumable pretraining run's state in one folder, replaced atomically after each
 * epoch: current weights, best weights, optimiser moments and the loop's counters.
 * `fingerprint` ties it to one set of settings and data, so a checkpoint of another
 * run is refused rather than silently continued.
 */
export function folderCheckpoint(dir: string, fingerprint: string): CheckpointStore {
  return {
    async load(model, optimizer): Promise<LoopState | undefined> {
      await recoverFolder(dir);
      if (!(await exists(join(dir, 'state.json')))) return undefined;
      const parsed = stateSchema.safeParse(
        JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')),
      );
      if (!parsed.success) {
        throw new AdaptdError('STATE_CORRUPT', `checkpoint ${dir}/state.json is invalid`);
      }
      const state = parsed.data;
      if (state.fingerprint !== fingerprint) {
        throw new AdaptdError(
          'STATE_CORRUPT',
          `checkpoint ${dir} belongs to another run (settings or data differ); remove it or drop --resume`,
          { context: { dir } },
        );
      }
      const files: Record<string, Buffer> = {};
      for (const [name, hash] of Object.entries(state.hashes)) {
        const data = await readFile(join(dir, name));
        if (sha256(data) !== hash) {
          throw new AdaptdError('STATE_CORRUPT', `checkpoint file ${dir}/${name} fails its hash`);
        }
        files[name] = data;
      }
      const current = decode(files['weights.bin']!, files['weights.json']!.toString());
      model.store.assign(current);
      tf.dispose(Object.values(current));
      const moments = decode(files['optimizer.bin']!, files['optimizer.json']!.toString());
      await optimizer.setWeights(
        Object.entries(moments).map(([name, tensor]) => ({ name, tensor })),
      );
      return {
        nextEpoch: state.nextEpoch,
        bestScore: state.bestScore ?? -Infinity,
        bestEpoch: state.bestEpoch,
        history: state.history,
        best: decode(files['best.bin']!, files['best.json']!.toString()),
      };
    },

    async save(model, optimizer, state): Promise<void> {
      const current = model.store.snapshot();
      const moments = await optimizer.getWeights();
      try {
        const weights = await encode(current);
        const best = await encode(state.best);
        const optimiser = await encode(
          Object.fromEntries(moments.map((m, i) => [`${i}:${m.name}`, m.tensor])),
        );
        const files: Record<string, Uint8Array | string> = {
          'weights.bin': weights.bytes,
          'weights.json': weights.specs,
          'best.bin': best.bytes,
          'best.json': best.specs,
          'optimizer.bin': optimiser.bytes,
          'optimizer.json': optimiser.specs,
        };
        const hashes = Object.fromEntries(
          Object.entries(files).map(([name, data]) => [name, sha256(data)]),
        );
        const record = {
          fingerprint,
          nextEpoch: state.nextEpoch,
          bestScore: Number.isFinite(state.bestScore) ? state.bestScore : null,
          bestEpoch: state.bestEpoch,
          history: state.history,
          hashes,
        };
        files['state.json'] = JSON.stringify(record);
        await writeFolderAtomic(dir, files);
      } finally {
        tf.dispose(Object.values(current));
        // getWeights returns the live moment variables but a fresh iteration counter.
        moments[0]?.tensor.dispose();
      }
    },
  };
}
