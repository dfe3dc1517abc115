import type { BackendPreference } from '../model/backend/selectBackend.js';
import type { HoldoutOrigin } from './sourceHoldout.js';
import type { ShadowEvidence } from './promotionGate.js';

/** Everything the training process needs, sent to it once over IPC. */
export interface TrainingJob {
  modelDir: string;
  backend: BackendPreference;
  /** Adapter folder of the champion the challenger starts from; null: the source model. */
  championDir: string | null;
  /** Target snapshot folder written by the daemon (writeTargetSnapshot). */
  snapshotDir: string;
  /** Where the challenger's adapter weights go. */
  outDir: string;
  strategy: string;
  head: string;
  steps: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  /** Folder of recorded runs, for a source holdout when the artifact ships none. */
  dataDir: string;
  sourceHoldoutWindows: number;
}

/** What the windows of one run were used for. */
export interface JobCounts {
  support: number;
  heldBack: number;
  target: number;
  source: number;
  sourceCheck: number;
  holdout: HoldoutOrigin;
}

/** The training process's answer: the shadow evidence; the parent decides. */
export interface TrainingResult {
  counts: JobCounts;
  evidence: ShadowEvidence;
  trainMs: number;
  scoreMs: number;
}

/** Messages from the training process to the daemon. */
export type ChildMessage =
  | { kind: 'progress'; done: number; total: number }
  | { kind: 'trained'; trainMs: number; counts: JobCounts }
  | { kind: 'result'; result: TrainingResult }
  | { kind: 'error'; message: string; code: string };

/** Messages from the daemon to the training process. */
export type ParentMessage = { kind: 'train'; job: TrainingJob };
