import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { isAdaptdError } from '../../src/errors.js';
import { loadArtifact, saveArtifact } from '../../src/model/artifact.js';
import { SensorModel } from '../../src/model/sensorModel.js';
import { disposeInputs, tinyConfig, tinyInputs } from '../support/tinyModel.js';

async function withSaved(body: (dir: string, model: SensorModel) => Promise<void>): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'adaptd-artifact-'));
  const model = new SensorModel(tinyConfig(), 7);
  try {
    await saveArtifact(join(root, 'model'), model, {
      version: 'test-1',
      command: 'adaptd pretrain --test',
      trainingData: { face_001: 'ab'.repeat(32) },
      documents: { 'labels.json': { operation: ['face', 'pocket', 'adaptive'] } },
      texts: { 'report.md': '# report\n' },
    });
    await body(join(root, 'model'), model);
  } finally {
    model.dispose();
    await rm(root, { recursive: true, force: true });
  }
}

describe('model artifact', () => {
  it('loads back a model with equal outputs and its documents', async () => {
    await withSaved(async (dir, model) => {
      const loaded = await loadArtifact(dir);
      const inputs = tinyInputs(model.config, 3);
      const a = tf.tidy(() => model.forward(inputs).logits.operation!);
      const b = tf.tidy(() => loaded.model.forward(inputs).logits.operation!);
      assert.deepEqual(Array.from(a.dataSync()), Array.from(b.dataSync()));
      assert.deepEqual(loaded.documents['labels.json'], {
        operation: ['face', 'pocket', 'adaptive'],
      });
      assert.equal(loaded.texts['report.md'], '# report\n');
      assert.equal(loaded.manifest.command, 'adaptd pretrain --test');
      tf.dispose([a, b]);
      disposeInputs(inputs);
      loaded.model.dispose();
    });
  });

  it('refuses tampered weights, naming the file', async () => {
    await withSaved(async (dir) => {
      const path = join(dir, 'weights.bin');
      const bytes = await readFile(path);
      bytes[10] = bytes[10]! ^ 0xff;
      await writeFile(path, bytes);
      await assert.rejects(loadArtifact(dir), (error: unknown) => {
        assert.ok(isAdaptdError(error, 'MODEL_INVALID'));
        assert.match(error.message, /weights\.bin has sha256/);
        return true;
      });
    });
  });

  it('refuses an unlisted file and a missing manifest', async () => {
    await withSaved(async (dir) => {
      await writeFile(join(dir, 'extra.json'), '{}');
      await assert.rejects(loadArtifact(dir), /does not list: extra\.json/);
      await rm(join(dir, 'manifest.json'));
      await assert.rejects(loadArtifact(dir), /has no manifest\.json/);
    });
  });

  it('refuses weights that do not fit the topology', async () => {
    await withSaved(async (dir) => {
      const other = new SensorModel(tinyConfig({ width: 12, feedForward: 24 }), 7);
      const root = join(dir, '..', 'other');
      await saveArtifact(root, other, {
        version: 'x',
        command: 'x',
        trainingData: {},
        documents: {},
      });
      other.dispose();
      // Swap the topology in, re-hashing so only the mismatch itself can fail.
      const manifest = JSON.parse(await readFile(join(root, 'manifest.json'), 'utf8')) as {
        files: Record<string, string>;
      };
      const topology = await readFile(join(dir, 'topology.json'));
      await writeFile(join(root, 'topology.json'), topology);
      const { createHash } = await import('node:crypto');
      manifest.files['topology.json'] = createHash('sha256').update(topology).digest('hex');
      await writeFile(join(root, 'manifest.json'), JSON.stringify(manifest));
      await assert.rejects(loadArtifact(root), /has shape/);
    });
  });
});
