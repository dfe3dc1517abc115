import { Registry } from 'prom-client';
import { LearningLoop, type LearningSettings } from '../../src/learning/learningLoop.js';
import { silentLogger } from '../../src/log.js';
import { DaemonMetrics } from '../../src/metrics/daemonMetrics.js';
import type { Prediction } from '../../src/pipeline/inferenceWorker.js';
import type { PredictionMessage } from '../../src/transports/messages/predictionMessage.js';
import type { GcodeLine } from '../../src/windows/gcodeTimeline.js';
import { syntheticDriftDocument } from '../drift/driftDocumentFixture.js';
import { FakeOutput } from '../pipeline/fakes.js';
import { TINY_HEADS } from '../support/tinyBundle.js';

/** The learning-loop tests' clock: every window is stamped from here. */
export const T0 = 1_700_000_000_000;
export const LOOP_SHAPE = { length: 4, channels: 2, contextSize: 3, units: 4 };

/**
 * A learning loop over the tiny heads and a synthetic drift reference, publishing to a fake
 * output and counting on a registry of its own; `overrides` change its settings.
 */
export function learningBed(overrides: Partial<LearningSettings> = {}) {
  const registry = new Registry();
  const metrics = new DaemonMetrics(registry, {
    version: 't',
    modelVersion: 'm',
    backend: 'cpu',
    heads: TINY_HEADS,
    defaultMetrics: false,
  });
  const output = new FakeOutput([]);
  const loop = new LearningLoop(
    {
      heads: TINY_HEADS,
      shape: LOOP_SHAPE,
      drift: syntheticDriftDocument(),
      ert: 100,
      sustainWindows: 5,
      domain: { intervalWindows: 0, windows: 64, permutations: 3 },
      bufferWindows: 500,
      holdout: { blockMs: 60_000, every: 0 },
      maxLabelRanges: 16,
      fromGcode: true,
      ...overrides,
    },
    { output, metrics, logger: silentLogger, now: () => T0 },
  );
  return { loop, output, registry };
}

/**
 * Window `k` as scored: 1 s long, starting k seconds after T0, with the given embedding,
 * values (`x`, all zero unless given) and G-code lines.
 */
export function scoredWindow(
  k: number,
  embedding: ArrayLike<number>,
  {
    x = new Float32Array(8),
    gcode = [],
  }: { x?: Float32Array; gcode?: Array<GcodeLine | undefined> } = {},
): Prediction {
  const from = T0 + k * 1000;
  return {
    window: {
      id: `w${k}`,
      from,
      to: from + 750,
      x,
      mask: Float32Array.of(1, 1),
      context: new Float32Array(3),
      gcode: gcode.length === 0 ? [undefined, undefined, undefined, undefined] : gcode,
      doneThrough: from + 750,
      cutAt: from + 800,
    },
    results: {},
    payload: {} as PredictionMessage,
    latencyMs: 1,
    embedding: Float32Array.from(embedding),
  };
}
