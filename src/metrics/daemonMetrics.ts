import { collectDefaultMetrics, Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { AdaptdError } from '../errors.js';
import { REJECT_REASON_NAMES } from '../transports/messages/rejectReason.js';
import { ROW_OUTCOMES } from '../windows/streamWindower.js';
import { ClassShares } from './classShares.js';
import { METRICS, metricNameProblems } from './metricCatalog.js';

type Spec = (typeof METRICS)[keyof typeof METRICS];
type LabelsOf<S extends Spec> = S['labelNames'][number];

/** Values read at scrape time from the parts that hold them. */
export interface MetricProbes {
  /** Rows held by the windower and rows in windows queued for the model. */
  bufferRows(): { windows: number; inference: number };
  unsettled(): number;
  /** Connection state by transport; a transport not configured is left out. */
  connected(): Partial<Record<'mqtt' | 'kafka', boolean>>;
  /** TensorFlow.js memory, as tf.memory() reports it. */
  memory(): { numTensors: number; numBytes: number };
  /** The learning loop: drift monitor, prototypes and target buffer. */
  learning(): LearningProbe;
}

/** What the learning loop reports at scrape time. */
export interface LearningProbe {
  stepsSinceReset: number;
  /** Cause of the alarm episode under way, if any. */
  alarm?: DriftCause;
  supports: ReadonlyArray<{ head: string; className: string; count: number }>;
  buffer: { windows: number; labelled: number; heldBack: number };
}

export const DRIFT_CAUSES = ['machine', 'program', 'tool'] as const;
export type DriftCause = (typeof DRIFT_CAUSES)[number];

export interface DaemonMetricsOptions {
  version: string;
  modelVersion: string;
  backend: string;
  /** The model's classification heads and their classes, for the class share gauge. */
  heads: ReadonlyArray<{ name: string; classes: readonly string[] }>;
  /** Export prom-client's process metrics too (default true). */
  defaultMetrics?: boolean;
  /** Predictions per head that the class shares cover (default 256). */
  shareWindow?: number;
}

const MISNAMED_DEFAULTS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

const IDLE_PROBES: MetricProbes = {
  bufferRows: () => ({ windows: 0, inference: 0 }),
  unsettled: () => 0,
  connected: () => ({}),
  memory: () => ({ numTensors: 0, numBytes: 0 }),
  learning: () => ({
    stepsSinceReset: 0,
    supports: [],
    buffer: { windows: 0, labelled: 0, heldBack: 0 },
  }),
};

function checkedName(spec: Spec): string {
  const problems = metricNameProblems(spec.name, spec.type);
  if (problems.length > 0) {
    throw new AdaptdError(
      'INTERNAL',
      `metric ${spec.name} breaks the naming rules: ${problems.join('; ')}`,
      {
        context: { problems },
      },
    );
  }
  return spec.name;
}

function counter<S extends Spec>(registry: Registry, spec: S): Counter<LabelsOf<S>> {
  const { help, labelNames } = spec;
  return new Counter({ name: checkedName(spec), help, labelNames, registers: [registry] });
}

/** A gauge its owner sets (drift, promotions), unlike the ones read from probes at scrape time. */
function settableGauge<S extends Spec>(registry: Registry, spec: S): Gauge<LabelsOf<S>> {
  const { help, labelNames } = spec;
  return new Gauge({ name: checkedName(spec), help, labelNames, registers: [registry] });
}

/**
 * adaptd's metrics on one registry that is passed in (never the global one, so tests and
 * several daemons in one process stay apart). Counters and histograms are updated by the
 * pipeline; gauges are computed at scrape time from the probes the running parts install.
 */
export class DaemonMetrics {
  readonly messages: Counter<LabelsOf<typeof METRICS.messages>>;
  readonly rejected: Counter<LabelsOf<typeof METRICS.rejected>>;
  readonly rows: Counter<LabelsOf<typeof METRICS.rows>>;
  readonly deadLettersDropped: Counter;
  readonly nonFiniteWindows: Counter;
  readonly windows: Counter;
  readonly windowLatency: Histogram;
  readonly bufferDropped: Counter<LabelsOf<typeof METRICS.bufferDropped>>;
  readonly confidence: Histogram<LabelsOf<typeof METRICS.confidence>>;
  readonly entropy: Histogram<LabelsOf<typeof METRICS.entropy>>;
  readonly driftStatistic: Gauge;
  readonly driftThreshold: Gauge;
  readonly driftDetections: Counter<LabelsOf<typeof METRICS.driftDetections>>;
  readonly driftDomainScore: Gauge<LabelsOf<typeof METRICS.driftDomainScore>>;
  readonly driftDomainLastRun: Gauge;
  readonly labels: Counter<LabelsOf<typeof METRICS.labels>>;
  readonly adaptationRuns: Counter<LabelsOf<typeof METRICS.adaptationRuns>>;
  readonly adaptationDuration: Histogram<LabelsOf<typeof METRICS.adaptationDuration>>;
  readonly promotions: Counter;
  readonly rollbacks: Counter;
  readonly lastPromotion: Gauge;
  readonly shadowScore: Gauge<LabelsOf<typeof METRICS.shadowScore>>;
  private readonly adapterInfo: Gauge<LabelsOf<typeof METRICS.adapterInfo>>;
  readonly commands: Counter<LabelsOf<typeof METRICS.commands>>;
  readonly commandsRejected: Counter<LabelsOf<typeof METRICS.commandsRejected>>;
  readonly stateWrites: Counter<LabelsOf<typeof METRICS.stateWrites>>;
  readonly lastStateWrite: Gauge;
  readonly stateQuarantined: Counter<LabelsOf<typeof METRICS.stateQuarantined>>;
  readonly redelivered: Counter<LabelsOf<typeof METRICS.redelivered>>;
  readonly brokerOutages: Counter<LabelsOf<typeof METRICS.brokerOutages>>;
  readonly brokerOutageSeconds: Counter<LabelsOf<typeof METRICS.brokerOutageSeconds>>;
  private probes: MetricProbes = IDLE_PROBES;
  private readonly shares = new Map<string, ClassShares>();

  constructor(
    readonly registry: Registry,
    options: DaemonMetricsOptions,
  ) {
    if (options.defaultMetrics !== false) {
      collectDefaultMetrics({ register: registry });
      // Gauges named like counters fail promtool's lint; each repeats the sum of the labelled
      // gauge of the same name without _total, so nothing is lost.
      for (const name of MISNAMED_DEFAULTS) registry.removeSingleMetric(name);
    }
    for (const head of options.heads) {
      this.shares.set(head.name, new ClassShares(head.classes, options.shareWindow));
    }
    this.messages = counter(registry, METRICS.messages);
    this.rejected = counter(registry, METRICS.rejected);
    this.rows = counter(registry, METRICS.rows);
    this.deadLettersDropped = counter(registry, METRICS.deadLettersDropped);
    this.nonFiniteWindows = counter(registry, METRICS.nonFiniteWindows);
    this.windows = counter(registry, METRICS.windows);
    this.bufferDropped = counter(registry, METRICS.bufferDropped);
    this.windowLatency = new Histogram({
      name: checkedName(METRICS.windowLatency),
      help: METRICS.windowLatency.help,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
    this.confidence = new Histogram({
      name: checkedName(METRICS.confidence),
      help: METRICS.confidence.help,
      labelNames: METRICS.confidence.labelNames,
      buckets: [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99],
      registers: [registry],
    });
    this.entropy = new Histogram({
      name: checkedName(METRICS.entropy),
      help: METRICS.entropy.help,
      labelNames: METRICS.entropy.labelNames,
      buckets: [0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.2, 1.4, 2],
      registers: [registry],
    });
    this.driftStatistic = settableGauge(registry, METRICS.driftStatistic);
    this.driftThreshold = settableGauge(registry, METRICS.driftThreshold);
    this.driftDetections = counter(registry, METRICS.driftDetections);
    this.driftDomainScore = settableGauge(registry, METRICS.driftDomainScore);
    this.driftDomainLastRun = settableGauge(registry, METRICS.driftDomainLastRun);
    this.labels = counter(registry, METRICS.labels);
    this.adaptationRuns = counter(registry, METRICS.adaptationRuns);
    // Training phases run from seconds to many minutes on a small box.
    this.adaptationDuration = new Histogram({
      name: checkedName(METRICS.adaptationDuration),
      help: METRICS.adaptationDuration.help,
      labelNames: METRICS.adaptationDuration.labelNames,
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1200, 3600],
      registers: [registry],
    });
    this.promotions = counter(registry, METRICS.promotions);
    this.rollbacks = counter(registry, METRICS.rollbacks);
    this.lastPromotion = settableGauge(registry, METRICS.lastPromotion);
    this.shadowScore = settableGauge(registry, METRICS.shadowScore);
    this.adapterInfo = settableGauge(registry, METRICS.adapterInfo);
    this.setAdapterVersion(null);
    this.commands = counter(registry, METRICS.commands);
    this.commandsRejected = counter(registry, METRICS.commandsRejected);
    this.stateWrites = counter(registry, METRICS.stateWrites);
    this.lastStateWrite = settableGauge(registry, METRICS.lastStateWrite);
    this.stateQuarantined = counter(registry, METRICS.stateQuarantined);
    this.redelivered = counter(registry, METRICS.redelivered);
    this.brokerOutages = counter(registry, METRICS.brokerOutages);
    this.brokerOutageSeconds = counter(registry, METRICS.brokerOutageSeconds);
    this.scrapeGauges(registry, options);
    // Series that exist from the start read 0 instead of missing, so rates and alerts work.
    for (const reason of REJECT_REASON_NAMES) this.rejected.inc({ reason }, 0);
    for (const outcome of ROW_OUTCOMES) this.rows.inc({ outcome }, 0);
    this.bufferDropped.inc({ stage: 'inference' }, 0);
    this.windows.inc(0);
    this.deadLettersDropped.inc(0);
    this.nonFiniteWindows.inc(0);
    this.lastStateWrite.set(0);
    this.commandsRejected.inc({ reason: 'unauthenticated' }, 0);
    this.stateQuarantined.inc({ reason: 'checksum' }, 0);
    for (const cause of DRIFT_CAUSES) this.driftDetections.inc({ cause }, 0);
    for (const source of ['operator', 'gcode']) this.labels.inc({ source }, 0);
    this.driftDomainLastRun.set(0);
  }

  /** The adapter version in service for the info metric; null while the source model serves. */
  setAdapterVersion(version: string | null): void {
    this.adapterInfo.reset();
    this.adapterInfo.set({ adapter_version: version ?? 'none' }, 1);
  }

  /** Installs the probes of the running parts; until then the gauges read zero. */
  setProbes(probes: Partial<MetricProbes>): void {
    this.probes = { ...this.probes, ...probes };
  }

  /** Records one head's prediction of one window. */
  observePrediction(head: string, classIndex: number, confidence: number, entropy: number): void {
    this.confidence.observe({ head }, confidence);
    this.entropy.observe({ head }, entropy);
    this.shares.get(head)?.add(classIndex);
  }

  private scrapeGauges(registry: Registry, options: DaemonMetricsOptions): void {
    const probes = (): MetricProbes => this.probes;
    const shares = this.shares;
    const gauge = <S extends Spec>(spec: S, collect: (g: Gauge<LabelsOf<S>>) => void) =>
      new Gauge<LabelsOf<S>>({
        name: checkedName(spec),
        help: spec.help,
        labelNames: spec.labelNames,
        registers: [registry],
        collect() {
          collect(this);
        },
      });
    gauge(METRICS.bufferRows, (g) => {
      const held = probes().bufferRows();
      g.set({ stage: 'windows' }, held.windows);
      g.set({ stage: 'inference' }, held.inference);
    });
    gauge(METRICS.unsettled, (g) => g.set(probes().unsettled()));
    gauge(METRICS.classShare, (g) => {
      for (const [head, counts] of shares) {
        counts.shares().forEach((share, k) => g.set({ head, class: counts.classes[k]! }, share));
      }
    });
    gauge(METRICS.driftAlarm, (g) => {
      const alarm = probes().learning().alarm;
      for (const cause of DRIFT_CAUSES) g.set({ cause }, alarm === cause ? 1 : 0);
    });
    gauge(METRICS.driftStepsSinceReset, (g) => g.set(probes().learning().stepsSinceReset));
    gauge(METRICS.prototypeSupports, (g) => {
      for (const s of probes().learning().supports) {
        g.set({ head: s.head, class: s.className }, s.count);
      }
    });
    gauge(METRICS.targetBufferWindows, (g) => {
      const held = probes().learning().buffer;
      g.set({ set: 'all' }, held.windows);
      g.set({ set: 'labelled' }, held.labelled);
      g.set({ set: 'held_back' }, held.heldBack);
    });
    gauge(METRICS.tensors, (g) => g.set(probes().memory().numTensors));
    gauge(METRICS.tensorBytes, (g) => g.set(probes().memory().numBytes));
    gauge(METRICS.brokerConnected, (g) => {
      for (const [transport, up] of Object.entries(probes().connected())) {
        g.set({ transport }, up ? 1 : 0);
      }
    });
    gauge(METRICS.backendInfo, () => undefined).set({ backend: options.backend }, 1);
    gauge(METRICS.buildInfo, () => undefined).set(
      { version: options.version, model_version: options.modelVersion },
      1,
    );
  }
}
