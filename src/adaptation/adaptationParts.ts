import type { Logger } from '../log.js';
import type { DaemonMetrics } from '../metrics/daemonMetrics.js';
import type { SensorModel } from '../model/sensorModel.js';
import type { DamageReport } from '../state/stateStore.js';
import type { Trainer } from './childTrainer.js';
import type { TargetWindowSource } from './windowSnapshot.js';

/** An event for the events topic. */
export interface AdaptationEvent {
  kind: string;
  requestId?: string;
  detail: Record<string, unknown>;
}

export type AdaptationMetrics = Pick<
  DaemonMetrics,
  | 'adaptationRuns'
  | 'adaptationDuration'
  | 'promotions'
  | 'rollbacks'
  | 'lastPromotion'
  | 'shadowScore'
  | 'setAdapterVersion'
>;

export interface AdaptationParts {
  /** The model in service; adapter weights are written into it between inference batches. */
  model: SensorModel;
  targets: TargetWindowSource;
  metrics: AdaptationMetrics;
  publish: (event: AdaptationEvent) => void;
  logger: Logger;
  /** Told whenever the serving adapter changes (e.g. to reset the drift window). */
  onServingChange?: (adapterVersion: string | null) => void;
  /** Writes the daemon's whole state (the state store); the engine's own file comes first. */
  snapshotState?: () => Promise<{ path: string }>;
  /** Told of damaged adaptation state set aside at start or rollback (metric, event). */
  onDamage?: (report: DamageReport) => void;
  /** Default: a ChildTrainer with the configured timeout. */
  trainer?: Trainer;
  now?: () => number;
}
