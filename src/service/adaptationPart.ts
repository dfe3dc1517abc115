import type { Observable, Subscription } from 'rxjs';
import { AdaptationController } from '../adaptation/adaptationController.js';
import { adaptationSettings } from '../adaptation/adaptationSettings.js';
import type { AdaptdConfig } from '../config/loadConfig.js';
import { defaultDataDir } from '../data/runCatalog.js';
import type { DriftEvent } from '../drift/driftTracker.js';
import type { Logger } from '../log.js';
import type { DaemonMetrics } from '../metrics/daemonMetrics.js';
import type { SensorModel } from '../model/sensorModel.js';
import type { Prediction } from '../pipeline/inferenceWorker.js';
import type { DamageReport } from '../state/stateStore.js';
import type { OutputSink } from '../transports/outputSink.js';
import type { TargetSnapshot } from '../adaptation/windowSnapshot.js';
import type { Component } from './lifecycle.js';

/** What the adaptation part takes from the daemon's other parts, read when it starts. */
export interface AdaptationPartDeps {
  config: AdaptdConfig;
  model: () => SensorModel;
  learning: () => {
    drift$: Observable<DriftEvent>;
    snapshot(): TargetSnapshot;
    resetDrift(): void;
  };
  output: () => OutputSink;
  metrics: () => DaemonMetrics;
  predictions$: Observable<Prediction>;
  logger: Logger;
  /** The state store's snapshot, for the snapshot command. */
  snapshotState?: () => Promise<{ path: string }>;
  /** Damaged adaptation state set aside (the control plane counts and publishes it). */
  onDamage?: (report: DamageReport) => void;
}

/**
 * The adaptation engine as a daemon part: started after the learning loop and before the
 * pipeline (so a saved champion serves from the first window), stopped before the learning
 * loop. Sustained drift triggers a run; served predictions feed probation; events go to the
 * events topic; a change of adapter empties the drift window.
 */
export class AdaptationPart implements Component {
  readonly name = 'adaptation';
  private engine: AdaptationController | undefined;
  private readonly subscriptions: Subscription[] = [];

  constructor(private readonly deps: AdaptationPartDeps) {}

  /** The running engine, or undefined before start. */
  get controller(): AdaptationController | undefined {
    return this.engine;
  }

  async start(): Promise<void> {
    const { config, logger } = this.deps;
    const output = this.deps.output();
    const learning = this.deps.learning();
    const log = logger.child({ component: 'adaptation' });
    const dataDir = config.data.dir === '' ? defaultDataDir() : config.data.dir;
    const engine = new AdaptationController(adaptationSettings(config, dataDir), {
      model: this.deps.model(),
      targets: learning,
      metrics: this.deps.metrics(),
      logger,
      publish: (event) => {
        output
          .publish('events', { ts: Date.now(), ...event })
          .catch((error: unknown) =>
            log.warn({ err: error, kind: event.kind }, 'event not published'),
          );
      },
      onServingChange: () => learning.resetDrift(),
      ...(this.deps.snapshotState === undefined ? {} : { snapshotState: this.deps.snapshotState }),
      ...(this.deps.onDamage === undefined ? {} : { onDamage: this.deps.onDamage }),
    });
    await engine.start();
    this.engine = engine;
    this.subscriptions.push(
      learning.drift$.subscribe((event) => {
        if (event.kind === 'sustained') {
          engine.onSustainedDrift({ cause: event.cause, alarmSteps: event.alarmSteps });
        }
      }),
      this.deps.predictions$.subscribe((prediction) => engine.observe(prediction.results)),
    );
  }

  async stop(): Promise<void> {
    for (const subscription of this.subscriptions.splice(0)) subscription.unsubscribe();
    await this.engine?.stop();
  }
}
