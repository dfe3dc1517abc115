import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { exportForPeer } from '../../bench/peer/exportForPeer.js';
import { availableBlas, peerUnavailable, startPeer } from '../../bench/peer/peerProcess.js';
import { SensorModel } from '../../src/model/sensorModel.js';
import type { LabelledWindows } from '../../src/model/training/windowBatch.js';
import { gaussian, seededRandom } from '../../src/util/random.js';
import { syntheticWindows } from '../support/syntheticWindows.js';
import { tinyConfig } from '../support/tinyModel.js';

const unavailable = peerUnavailable();

interface CheckReply {
  windows: number;
  diffs: Record<string, { maxAbs: number; scale: number }>;
}

/** Windows whose second modality is missing in every third window (the -1e9 gate path). */
function withMissingModality(windows: LabelledWindows, channels: readonly number[]) {
  return {
    ...windows,
    gather(indices: readonly number[]) {
      const { x, mask } = windows.gather(indices);
      indices.forEach((w, i) => {
        if (w % 3 !== 0) return;
        for (const c of channels) {
          mask[i * windows.channels + c] = 0;
          for (let t = 0; t < windows.length; t += 1) {
            x[(i * windows.length + t) * windows.channels + c] = 0;
          }
        }
      });
      return { x, mask };
    },
  };
}

test(
  'the PyTorch peer computes what the TFJS model computes from exported weights',
  { skip: unavailable === undefined ? false : `PyTorch peer unavailable: ${unavailable}` },
  async () => {
    // Non-contiguous channels (the gather path), every head kind, and every weight moved off
    // its initial value, so zero-initialised adapters and biases are checked too.
    const config = tinyConfig({
      modalities: [
        { name: 'current', channels: [0, 2, 4] },
        { name: 'accel', channels: [1, 3, 5] },
      ],
      heads: [
        { name: 'operation', classes: ['face', 'pocket', 'adaptive'], reads: 'window' },
        { name: 'feedBand', classes: ['rapid', 'slow', 'medium', 'fast'], reads: 'end' },
        { name: 'motion', classes: ['G0', 'G1', 'G2', 'G3'], reads: 'step' },
      ],
    });
    const model = new SensorModel(config, 5);
    const random = seededRandom(11);
    for (const name of model.store.names()) {
      const variable = model.store.variable(name);
      const noise = Float32Array.from({ length: variable.size }, () => gaussian(random) * 0.3);
      tf.tidy(() => variable.assign(tf.add(variable, tf.tensor(noise, variable.shape))));
    }
    const windows = withMissingModality(syntheticWindows(12, 16, 6, 3, 2), [1, 3, 5]);
    const dir = await mkdtemp(join(tmpdir(), 'adaptd-peer-test-'));
    try {
      const indices = Array.from({ length: 12 }, (_, i) => i);
      await exportForPeer(model, dir, { windows, indices });
      const peer = await startPeer(dir, availableBlas());
      try {
        const reply = await peer.request<CheckReply>({ cmd: 'check' });
        assert.equal(reply.windows, 12, 'the peer read every check window');
        const expected = ['embedding', 'last', 'logits.operation', 'logits.feedBand'];
        for (const name of [...expected, 'logits.motion', 'mmd']) {
          const diff = reply.diffs[name];
          assert.ok(diff !== undefined, `the peer compared ${name}`);
          assert.ok(diff.scale > 1e-3, `${name} is not trivially zero (${diff.scale})`);
          assert.ok(
            diff.maxAbs <= 1e-4 * Math.max(1, diff.scale),
            `${name} differs by ${diff.maxAbs} (scale ${diff.scale})`,
          );
        }
      } finally {
        await peer.stop();
      }
    } finally {
      model.dispose();
      await rm(dir, { recursive: true, force: true });
    }
  },
);
