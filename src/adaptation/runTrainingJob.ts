import { AdaptdError } from '../errors.js';
import { scoreClassification, argmaxRows } from '../evaluation/classificationScores.js';
import { loadModelBundle } from '../model/modelBundle.js';
import { predictWindows } from '../model/predictWindows.js';
import type { SensorModel } from '../model/sensorModel.js';
import type { LabelledWindows } from '../model/training/windowBatch.js';
import { findStrategy } from '../strategies/registry.js';
import type { AdaptedPredictor, TransferTask } from '../strategies/strategy.js';
import { softmaxRows } from '../strategies/training/modelPredictor.js';
import { writeArrayFolder } from './arrayFolder.js';
import { readAdapterFolder } from './adapterStore.js';
import { applyAdapterWeights, readAdapterWeights } from './adapterWeights.js';
import { collapseStats, spread } from './collapseStats.js';
import type { PairedScore, ShadowEvidence } from './promotionGate.js';
import { readTargetSnapshot } from './snapshotFolder.js';
import { loadSourceHoldout } from './sourceHoldout.js';
import type { JobCounts, TrainingJob, TrainingResult } from './trainingProtocol.js';
import { labelledIndices, snapshotView } from './windowSnapshot.js';

export interface JobCallbacks {
  onProgress?: (done: number, total: number) => void;
  onTrained?: (trainMs: number, counts: JobCounts) => void;
}

/**
 * One adaptation run as the training process does it: the base model with the champion's
 * adapters, the configured strategy on the snapshot (held-back labelled windows excluded)
 * and the source holdout's first half, then champion and challenger scored on the held-back
 * windows, the source holdout's second half and the target windows. Writes the challenger's
 * adapter weights to `job.outDir`. Runs in the training process; in-process only in tests.
 */
export async function runTrainingJob(
  job: TrainingJob,
  callbacks: JobCallbacks = {},
): Promise<TrainingResult> {
  const bundle = await loadModelBundle(job.modelDir);
  const base = bundle.model;
  let challenger: AdaptedPredictor | undefined;
  try {
    if (job.championDir !== null)
      applyAdapterWeights(base, (await readAdapterFolder(job.championDir)).weights);
    const head = base.config.heads.find((h) => h.name === job.head);
    if (head === undefined) {
      throw new AdaptdError(
        'CONFIG_INVALID',
        `adaptation.head is "${job.head}" but the model has heads ` +
          base.config.heads.map((h) => h.name).join(', '),
        { context: { head: job.head } },
      );
    }
    const task: TransferTask = {
      head: head.name,
      classes: head.classes,
      step: head.reads === 'step',
    };
    const strategy = findStrategy(job.strategy);
    const snapshot = await readTargetSnapshot(job.snapshotDir);
    const support = labelledIndices(snapshot.adapt, head.name);
    const heldBackIndices = labelledIndices(snapshot.heldBack, head.name);
    const targetIndices = range(0, snapshot.adapt.count);
    const { holdout, origin } = await loadSourceHoldout(
      bundle,
      job.dataDir,
      job.sourceHoldoutWindows,
    );
    if (holdout === undefined) {
      throw new AdaptdError(
        'TRAINING_FAILED',
        `no source holdout: the artifact ships no source-holdout.json and no source ` +
          `validation runs were found in the data folder "${job.dataDir}"`,
      );
    }
    const half = Math.ceil(holdout.count / 2);
    const sourceTrain = range(0, half);
    const sourceCheck = range(half, holdout.count);
    const counts: JobCounts = {
      support: support.length,
      heldBack: heldBackIndices.length,
      target: targetIndices.length,
      source: sourceTrain.length,
      sourceCheck: sourceCheck.length,
      holdout: origin,
    };
    if (strategy.needsLabels && support.length === 0) {
      throw new AdaptdError(
        'TRAINING_FAILED',
        `strategy ${strategy.name} needs labelled target windows for ${head.name} and the ` +
          `buffer holds none outside the held-back blocks`,
      );
    }
    const started = Date.now();
    challenger = await strategy.adapt(
      base,
      task,
      {
        source: snapshotView(holdout, sourceTrain),
        target: snapshotView(snapshot.adapt, targetIndices, [head.name]),
        support: support.length > 0 ? snapshotView(snapshot.adapt, support) : undefined,
      },
      {
        seed: job.seed,
        steps: job.steps,
        batchSize: job.batchSize,
        learningRate: job.learningRate,
        onProgress: callbacks.onProgress,
      },
    );
    const trainMs = Date.now() - started;
    callbacks.onTrained?.(trainMs, counts);
    const model = challenger.model;
    if (model === undefined) {
      throw new AdaptdError(
        'CONFIG_INVALID',
        `strategy ${strategy.name} produces no adapted model to promote; choose one that ` +
          `adapts the model (adapters, mmd, coral, dann)`,
      );
    }
    const scoring = Date.now();
    const classes = head.classes.length;
    const champion = (windows: LabelledWindows) => probabilities(base, windows, head.name, classes);
    const adapted = (windows: LabelledWindows) => challenger!.predict(windows);
    const heldBack = snapshotView(snapshot.heldBack, heldBackIndices);
    const sourceView = snapshotView(holdout, sourceCheck);
    const targetView = snapshotView(snapshot.adapt, targetIndices, [head.name]);
    const evidence: ShadowEvidence = {
      collapse: {
        champion: collapseStats(await champion(targetView), classes),
        challenger: collapseStats(await adapted(targetView), classes),
      },
    };
    if (heldBack.count > 0) {
      const labels = heldBack.labels[head.name]!;
      // Counted in windows, as minHeldBack is, also for per-row heads.
      evidence.target = {
        ...(await paired(champion, adapted, heldBack, labels, classes)),
        count: heldBack.count,
      };
      const counts = new Array<number>(classes).fill(0);
      for (const label of labels) if (label >= 0) counts[label]! += 1;
      evidence.targetLabels = spread(counts);
    }
    if (sourceView.count > 0) {
      const labels = sourceView.labels[head.name];
      if (labels !== undefined && labels.some((l) => l >= 0)) {
        evidence.source = await paired(champion, adapted, sourceView, labels, classes);
      }
    }
    await writeArrayFolder(job.outDir, readAdapterWeights(model), {
      strategy: strategy.name,
      head: head.name,
    });
    return { counts, evidence, trainMs, scoreMs: Date.now() - scoring };
  } finally {
    challenger?.dispose();
    base.dispose();
  }
}

async function paired(
  champion: (w: LabelledWindows) => Promise<Float32Array>,
  challenger: (w: LabelledWindows) => Promise<Float32Array>,
  windows: LabelledWindows,
  labels: Int32Array,
  classes: number,
): Promise<PairedScore> {
  const score = async (predict: (w: LabelledWindows) => Promise<Float32Array>) =>
    scoreClassification(labels, argmaxRows(await predict(windows), classes), classes);
  const before = await score(champion);
  const after = await score(challenger);
  return {
    champion: before.balancedAccuracy,
    challenger: after.balancedAccuracy,
    count: before.count,
  };
}

async function probabilities(
  model: SensorModel,
  windows: LabelledWindows,
  head: string,
  classes: number,
): Promise<Float32Array> {
  const { logits } = await predictWindows(model, windows);
  return softmaxRows(logits[head]!, classes);
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
}
