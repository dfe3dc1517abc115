import { calibrateThresholds } from '../../src/drift/calibrateThresholds.js';
import type { DriftDocument } from '../../src/drift/driftDocument.js';
import { syntheticRuns } from './syntheticStreams.js';

/**
 * A calibrated drift document on synthetic autocorrelated runs of `dim` features: reference of
 * 6 runs, thresholds for ERT 100 over a window of 8 from 10 other runs.
 */
export function syntheticDriftDocument(dim = 4, window = 8): DriftDocument {
  const reference = syntheticRuns(6, 40, dim, 21);
  const thresholds = calibrateThresholds(
    {
      reference: reference.flat(2),
      dim,
      runs: syntheticRuns(10, 100, dim, 22).map((rows) => rows.flat()),
      runIds: [],
    },
    { erts: [100], window, seed: 3 },
  );
  return {
    units: dim,
    runs: reference.map((_, r) => `ref_${r}`),
    runOf: reference.flatMap((rows, r) => rows.map(() => r)),
    embeddings: reference.flat(),
    thresholds,
  };
}

/** Rows with no drift, and rows shifted by `shift` in every feature. */
export function quietRows(rows: number, dim = 4, seed = 23): number[][] {
  return syntheticRuns(1, rows, dim, seed)[0]!;
}

export function shiftedRows(rows: number, dim = 4, seed = 24, shift = 1.5): number[][] {
  return syntheticRuns(1, rows, dim, seed, { shift })[0]!;
}
