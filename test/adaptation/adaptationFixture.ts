import { mkdtemp, rm } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONTEXT_SIZE } from '../../src/data/controllerContext.js';
import { loadModelBundle, saveModelBundle } from '../../src/model/modelBundle.js';
import { SensorModel } from '../../src/model/sensorModel.js';
import type { DamageReport } from '../../src/state/stateStore.js';
import {
  SOURCE_HOLDOUT_DOCUMENT,
  sourceHoldoutDocument,
} from '../../src/adaptation/sourceHoldout.js';
import { readAdapterWeights, type AdapterWeights } from '../../src/adaptation/adapterWeights.js';
import { ServingAdapters } from '../../src/adaptation/servingAdapters.js';
import { silentLogger } from '../../src/log.js';
import {
  toSnapshot,
  type TargetSnapshot,
  type WindowSnapshot,
} from '../../src/adaptation/windowSnapshot.js';
import { syntheticWindows } from '../support/syntheticWindows.js';
import { TINY_HEADS } from '../support/tinyBundle.js';
import { tinyConfig } from '../support/tinyModel.js';
import { NORMALISER, SCHEMA } from '../windows/fixtures.js';

export const LENGTH = 16;

/** Shifts every adaptable value by `delta`: a challenger distinguishable from its parent. */
export function shifted(weights: AdapterWeights, delta: number): AdapterWeights {
  return Object.fromEntries(
    Object.entries(weights).map(([name, values]) => [name, values.map((v) => v + delta)]),
  );
}
export const CHANNELS = SCHEMA.channels.length;

/**
 * Synthetic windows (operation sets the first modality's mean) with every value shifted by
 * `shift`: a target domain the source model was not trained on.
 */
export function shiftedWindows(count: number, seed: number, shift = 0): WindowSnapshot {
  const windows = syntheticWindows(count, LENGTH, CHANNELS, CONTEXT_SIZE, seed);
  const snapshot = toSnapshot(
    windows,
    Array.from({ length: count }, (_, i) => i),
  );
  for (let i = 0; i < snapshot.x.length; i += 1) snapshot.x[i]! += shift;
  return snapshot;
}

/** A target snapshot of shifted synthetic windows: `adapt` windows and `heldBack` ones. */
export function shiftedSnapshot(
  adapt: number,
  heldBack: number,
  seed: number,
  shift = 0.5,
): TargetSnapshot {
  return {
    adapt: shiftedWindows(adapt, seed, shift),
    heldBack: shiftedWindows(heldBack, seed + 1000, shift),
  };
}

/**
 * A tiny untrained model artifact for the fixture schema that ships a source holdout of
 * synthetic windows; returns its folder, a scratch folder and a cleanup.
 */
export async function adaptationBundle(): Promise<{
  modelDir: string;
  root: string;
  cleanup: () => Promise<void>;
}> {
  await tf.ready();
  const root = await mkdtemp(join(tmpdir(), 'adaptd-adaptation-'));
  const indices = [0, 1, 2, 3, 4, 5];
  const model = new SensorModel(
    tinyConfig({
      channels: CHANNELS,
      windowLength: LENGTH,
      contextSize: CONTEXT_SIZE,
      modalities: [
        { name: 'first', channels: indices.slice(0, 3) },
        { name: 'second', channels: indices.slice(3) },
      ],
      heads: TINY_HEADS,
    }),
    11,
  );
  const source = syntheticWindows(96, LENGTH, CHANNELS, CONTEXT_SIZE, 5);
  const modelDir = join(root, 'model');
  try {
    await saveModelBundle(
      modelDir,
      { model, schema: SCHEMA, normaliser: NORMALISER, window: { length: LENGTH, stride: 8 } },
      {
        version: 'tiny-adapt-1',
        command: 'test',
        trainingData: {},
        documents: {
          [SOURCE_HOLDOUT_DOCUMENT]: sourceHoldoutDocument(
            source,
            Array.from({ length: source.count }, (_, i) => i),
            ['synthetic'],
          ),
        },
      },
    );
  } finally {
    model.dispose();
  }
  return { modelDir, root, cleanup: () => rm(root, { recursive: true, force: true }) };
}

/** What a promotion records beside a version's weights, for tests that store versions. */
export const VERSION_RECORD = {
  createdAt: '2026-01-01T00:00:00.000Z',
  trigger: 'command',
  strategy: 'mmd',
  head: 'operation',
  labelled: true,
  scores: {},
};

/** What serves `model` from `stateDir`, restored, as at a daemon's start; damage goes to `damage`. */
export async function restoredServing(
  model: SensorModel,
  stateDir: string,
  damage: DamageReport[] = [],
): Promise<ServingAdapters> {
  const serving = new ServingAdapters({
    model,
    stateDir,
    keep: 10,
    logger: silentLogger,
    onChange: () => undefined,
    onDamage: (report) => damage.push(report),
  });
  await serving.restore();
  return serving;
}

/**
 * Promotes a1..a`count` into `stateDir` as the daemon would (a`n` is the source shifted by
 * n / 10, and a`count` serves); returns the source model's adapter values.
 */
export async function storeVersions(
  modelDir: string,
  stateDir: string,
  count: number,
): Promise<AdapterWeights> {
  const { model } = await loadModelBundle(modelDir);
  try {
    const source = readAdapterWeights(model);
    const serving = await restoredServing(model, stateDir);
    for (let n = 1; n <= count; n += 1) {
      await serving.promoteNew(shifted(source, n / 10), VERSION_RECORD);
    }
    return source;
  } finally {
    model.dispose();
  }
}
