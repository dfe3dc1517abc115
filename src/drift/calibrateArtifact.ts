import { z } from 'zod';
import type { RunInfo } from '../data/runCatalog.js';
import { AdaptdError } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import { loadModelBundle, rewriteModelBundle } from '../model/modelBundle.js';
import { calibrateThresholds } from './calibrateThresholds.js';
import type { DriftDocument, ReplayCheck } from './driftDocument.js';
import { DriftMonitor } from './driftMonitor.js';
import { replayRuns as replayStream } from './replayRuns.js';
import { embedRuns, type RunEmbeddings } from './runEmbeddings.js';
import { assignRunRoles } from './runRoles.js';

export interface ArtifactCalibrationRequest {
  modelDir: string;
  dataDir: string;
  /** Expected run times to ship a level for; the first is the default level. */
  erts: number[];
  window: number;
  streams?: number;
  seed: number;
  /** Held-out source runs to use; the artifact's source validation runs by default. */
  runs?: string[];
  /** Most reference embeddings kept (an even subsample beyond it). */
  referenceLimit?: number;
  /**
   * Assignments of runs to roles to check, rotating the roles (3 by default, so every run
   * is replayed once); only the first is shipped, the others measure the procedure on
   * more held-out windows than one assignment leaves.
   */
  rotations?: number;
  logger?: Logger;
}

export interface ArtifactCalibration {
  document: DriftDocument;
  /** Replay checks of every rotation; rotation 0 checks the shipped thresholds. */
  checks: ReplayCheck[];
  roles: Record<'reference' | 'calibration' | 'replay', string[]>;
}

const splitSchema = z.object({ sourceVal: z.array(z.string()).min(1) });

/**
 * Calibrates an artifact's drift thresholds and rewrites it: the held-out source runs
 * (the source validation runs recorded in split.json: the model never fitted them) are
 * embedded as the daemon would cut them and split by run into reference, calibration and
 * replay runs; thresholds come from a block bootstrap over the calibration runs and are
 * checked by replaying the replay runs. drift.json is replaced by the new reference and
 * its thresholds (the reference pretraining wrote draws windows from every validation run,
 * which would leave no run outside it to calibrate on); every other document is saved
 * unchanged, with a fresh manifest.
 */
export async function calibrateArtifact(
  request: ArtifactCalibrationRequest,
): Promise<ArtifactCalibration> {
  const logger = request.logger ?? silentLogger;
  const bundle = await loadModelBundle(request.modelDir);
  try {
    const names = request.runs ?? heldOutRuns(bundle.documents['split.json'], request.modelDir);
    const embedded = await embedRuns(bundle, request.dataDir, names);
    const roles = assignRunRoles(
      embedded.map((e) => e.run),
      request.seed,
    );
    const order = ['reference', 'calibration', 'replay'] as const;
    const empty = order.filter((role) => roles[role].length === 0);
    if (empty.length > 0) {
      throw new AdaptdError(
        'CONFIG_INVALID',
        `drift calibration needs held-out source runs for reference, calibration and replay; ` +
          `the ${embedded.length} runs given (${names.join(', ')}) leave none for ` +
          empty.join(' and '),
        { context: { runs: names } },
      );
    }
    const pick = (runs: readonly RunInfo[]) =>
      runs.map((run) => embedded.find((e) => e.run === run)!);
    const units = bundle.model.config.recurrentUnits;
    const outcomes = Array.from({ length: request.rotations ?? 3 }, (_, rotation) => {
      // Rotation k gives each role the runs of the role k places on; 0 is what ships.
      const [reference, calibration, replay] = order.map((_, k) =>
        pick(roles[order[(k + rotation) % order.length]!]),
      );
      logger.info({ rotation }, 'drift calibration of one rotation of run roles');
      return calibrateRoles(reference!, calibration!, replay!, units, rotation, request);
    });
    const document = outcomes[0]!.document;
    const checks = outcomes.flatMap((outcome) => outcome.checks);
    document.thresholds!.replay = checks;
    await rewriteModelBundle(request.modelDir, bundle, { 'drift.json': document });
    const ids = (runs: readonly { id: string }[]) => runs.map((run) => run.id);
    return {
      document,
      checks,
      roles: {
        reference: ids(roles.reference),
        calibration: ids(roles.calibration),
        replay: ids(roles.replay),
      },
    };
  } finally {
    bundle.model.dispose();
  }
}

/** Reference, thresholds and replay check from one assignment of runs to roles. */
function calibrateRoles(
  referenceRuns: readonly RunEmbeddings[],
  calibrationRuns: readonly RunEmbeddings[],
  replayRuns: readonly RunEmbeddings[],
  units: number,
  rotation: number,
  request: ArtifactCalibrationRequest,
): { document: DriftDocument; checks: ReplayCheck[] } {
  const reference = referenceRows(referenceRuns, units, request.referenceLimit ?? 512);
  const thresholds = calibrateThresholds(
    {
      reference: reference.embeddings.flat(),
      dim: units,
      runs: calibrationRuns.map((e) => e.embeddings),
      runIds: calibrationRuns.map((e) => e.run.id),
    },
    { erts: request.erts, window: request.window, streams: request.streams, seed: request.seed },
  );
  const document: DriftDocument = { units, ...reference, thresholds };
  const replay = replayRuns.map((e) => ({ id: e.run.id, embeddings: e.embeddings }));
  const checks = thresholds.levels.map((level): ReplayCheck => {
    const monitor = DriftMonitor.fromDocument(document, { ert: level.ert });
    const outcome = replayStream(monitor, replay, { resetOnAlarm: true });
    const { monitoredSteps: steps, rate } = outcome;
    const alarms = outcome.alarms.length;
    return { rotation, ert: level.ert, runs: replay.map((r) => r.id), steps, alarms, rate };
  });
  return { document, checks };
}

function heldOutRuns(split: unknown, dir: string): string[] {
  const parsed = splitSchema.safeParse(split);
  if (!parsed.success) {
    throw new AdaptdError(
      'MODEL_INVALID',
      `model artifact ${dir} has no split.json listing its source validation runs; name the ` +
        'held-out source runs with --runs',
    );
  }
  return parsed.data.sourceVal;
}

/** The reference as drift.json holds it: rows rounded as shipped, at most `limit`. */
function referenceRows(
  runs: readonly RunEmbeddings[],
  units: number,
  limit: number,
): Pick<DriftDocument, 'runs' | 'runOf' | 'embeddings'> {
  const all = runs.flatMap((e, r) =>
    Array.from({ length: e.embeddings.length / units }, (_, w) => ({
      run: r,
      row: Array.from(e.embeddings.subarray(w * units, (w + 1) * units), (v) =>
        Number(v.toFixed(6)),
      ),
    })),
  );
  const step = Math.max(1, all.length / limit);
  const kept = Array.from(
    { length: Math.min(limit, all.length) },
    (_, k) => all[Math.floor(k * step)]!,
  );
  return {
    runs: runs.map((e) => e.run.id),
    runOf: kept.map((k) => k.run),
    embeddings: kept.map((k) => k.row),
  };
}
