/**
 * Every metric adaptd exports under its own prefix, with its type, help and fixed label names.
 * This is the one list: the registry is built from it, README's metrics table and the deploy/
 * dashboards and alert rules are checked against it. prom-client's default process metrics
 * (`process_*`, `nodejs_*`) come on top, see DEFAULT_METRIC_PREFIXES.
 */
export const METRICS = {
  messages: {
    name: 'adaptd_messages_total',
    type: 'counter',
    help: 'Valid input messages received, by stream and transport.',
    labelNames: ['stream', 'transport'],
  },
  rejected: {
    name: 'adaptd_messages_rejected_total',
    type: 'counter',
    help: 'Input messages refused at the boundary, by reason.',
    labelNames: ['reason'],
  },
  deadLettersDropped: {
    name: 'adaptd_dead_letters_dropped_total',
    type: 'counter',
    help: 'Refused messages counted but not dead-lettered, because too many dead letters were waiting to be published.',
    labelNames: [],
  },
  nonFiniteWindows: {
    name: 'adaptd_non_finite_windows_total',
    type: 'counter',
    help: 'Scored windows with a NaN or infinite value or embedding, kept out of drift and learning.',
    labelNames: [],
  },
  rows: {
    name: 'adaptd_rows_total',
    type: 'counter',
    help: 'Sensor rows taken by the windower, by outcome (accepted, duplicate, late, empty).',
    labelNames: ['outcome'],
  },
  windows: {
    name: 'adaptd_windows_total',
    type: 'counter',
    help: 'Windows scored by the model and published.',
    labelNames: [],
  },
  windowLatency: {
    name: 'adaptd_window_latency_seconds',
    type: 'histogram',
    help: 'Time from cutting a window (its last row arrived) to publishing its prediction.',
    labelNames: [],
  },
  bufferRows: {
    name: 'adaptd_buffer_rows',
    type: 'gauge',
    help: 'Sensor rows held, by stage: the windower, or queued windows waiting for the model.',
    labelNames: ['stage'],
  },
  bufferDropped: {
    name: 'adaptd_buffer_dropped_total',
    type: 'counter',
    help: 'Rows dropped because a bounded buffer was full, by stage.',
    labelNames: ['stage'],
  },
  unsettled: {
    name: 'adaptd_unsettled_messages',
    type: 'gauge',
    help: 'Input messages whose rows are not yet in a published window (not acknowledged).',
    labelNames: [],
  },
  confidence: {
    name: 'adaptd_prediction_confidence',
    type: 'histogram',
    help: 'Softmax probability of the predicted class, by head.',
    labelNames: ['head'],
  },
  entropy: {
    name: 'adaptd_prediction_entropy',
    type: 'histogram',
    help: 'Softmax entropy of a prediction in nats, by head.',
    labelNames: ['head'],
  },
  classShare: {
    name: 'adaptd_class_share_ratio',
    type: 'gauge',
    help: 'Share of the recent windows predicted as each class, by head.',
    labelNames: ['head', 'class'],
  },
  tensors: {
    name: 'adaptd_tensors',
    type: 'gauge',
    help: 'TensorFlow.js tensors held by the process.',
    labelNames: [],
  },
  tensorBytes: {
    name: 'adaptd_tensor_bytes',
    type: 'gauge',
    help: 'Bytes held by TensorFlow.js tensors.',
    labelNames: [],
  },
  brokerConnected: {
    name: 'adaptd_broker_connected',
    type: 'gauge',
    help: '1 while the transport is connected to its broker, else 0.',
    labelNames: ['transport'],
  },
  brokerOutages: {
    name: 'adaptd_broker_outages_total',
    type: 'counter',
    help: 'Times a transport lost its broker (each outage counted when it starts).',
    labelNames: ['transport'],
  },
  brokerOutageSeconds: {
    name: 'adaptd_broker_outage_seconds_total',
    type: 'counter',
    help: 'Time transports spent without their broker, added when each outage ends.',
    labelNames: ['transport'],
  },
  backendInfo: {
    name: 'adaptd_backend_info',
    type: 'gauge',
    help: 'The TensorFlow.js backend in use (value 1).',
    labelNames: ['backend'],
  },
  driftStatistic: {
    name: 'adaptd_drift_statistic',
    type: 'gauge',
    help: 'Latest online MMD^2 between the source reference and the recent target embeddings.',
    labelNames: [],
  },
  driftThreshold: {
    name: 'adaptd_drift_threshold',
    type: 'gauge',
    help: 'Drift statistic above which drift is declared, calibrated for the expected run time.',
    labelNames: [],
  },
  driftDetections: {
    name: 'adaptd_drift_detections_total',
    type: 'counter',
    help:
      'Drift alarm episodes started, by cause: machine (drift of the machine itself), or ' +
      'program or tool (explained by a change announced on the G-code stream).',
    labelNames: ['cause'],
  },
  driftAlarm: {
    name: 'adaptd_drift_alarm',
    type: 'gauge',
    help: '1 while a drift alarm episode of the given cause is under way, else 0.',
    labelNames: ['cause'],
  },
  driftStepsSinceReset: {
    name: 'adaptd_drift_steps_since_reset',
    type: 'gauge',
    help: 'Windows the drift monitor has taken since it was started or last reset.',
    labelNames: [],
  },
  driftDomainScore: {
    name: 'adaptd_drift_domain_score',
    type: 'gauge',
    help:
      'Latest domain-classifier score of recent target against source reference embeddings: ' +
      'auroc (out of fold), null_auroc (95% under shuffled domain labels), proxy_a_distance.',
    labelNames: ['score'],
  },
  driftDomainLastRun: {
    name: 'adaptd_drift_domain_last_run_timestamp_seconds',
    type: 'gauge',
    help: 'Unix time the domain-classifier score was last computed; 0 before the first.',
    labelNames: [],
  },
  prototypeSupports: {
    name: 'adaptd_prototype_supports',
    type: 'gauge',
    help: 'Labelled target windows in each few-shot prototype, by head and class.',
    labelNames: ['head', 'class'],
  },
  targetBufferWindows: {
    name: 'adaptd_target_buffer_windows',
    type: 'gauge',
    help:
      'Recent target windows held for adaptation, by set: all, labelled (any head), held_back ' +
      '(time blocks kept for shadow scoring).',
    labelNames: ['set'],
  },
  labels: {
    name: 'adaptd_labels_total',
    type: 'counter',
    help:
      'Labels attached to target windows, by source: operator (labels stream) or gcode ' +
      '(motion commands of the executing lines).',
    labelNames: ['source'],
  },
  adaptationRuns: {
    name: 'adaptd_adaptation_runs_total',
    type: 'counter',
    help: 'Adaptation runs finished, by what triggered them and how they ended.',
    labelNames: ['trigger', 'result'],
  },
  adaptationDuration: {
    name: 'adaptd_adaptation_duration_seconds',
    type: 'histogram',
    help: 'Time an adaptation run spent in each phase (train, shadow scoring, checks).',
    labelNames: ['phase'],
  },
  promotions: {
    name: 'adaptd_promotions_total',
    type: 'counter',
    help: 'Challenger adapters promoted to serve.',
    labelNames: [],
  },
  rollbacks: {
    name: 'adaptd_rollbacks_total',
    type: 'counter',
    help: 'Returns to the previous adapter, automatic or by command.',
    labelNames: [],
  },
  lastPromotion: {
    name: 'adaptd_last_promotion_timestamp_seconds',
    type: 'gauge',
    help: 'Unix time of the latest promotion; 0 while the source model serves unadapted.',
    labelNames: [],
  },
  shadowScore: {
    name: 'adaptd_shadow_balanced_accuracy_ratio',
    type: 'gauge',
    help:
      'Balanced accuracy of the latest shadow scoring, by model (champion, challenger) and set ' +
      '(target: held-back labelled target windows; source: the source holdout).',
    labelNames: ['model', 'set'],
  },
  adapterInfo: {
    name: 'adaptd_adapter_info',
    type: 'gauge',
    help: 'The adapter version in service (value 1); adapter_version="none" while the source model serves.',
    labelNames: ['adapter_version'],
  },
  commands: {
    name: 'adaptd_commands_total',
    type: 'counter',
    help: 'Control commands answered, by command and final outcome (succeeded, failed, rejected, expired, duplicate).',
    labelNames: ['command', 'outcome'],
  },
  commandsRejected: {
    name: 'adaptd_commands_rejected_total',
    type: 'counter',
    help: 'Control commands refused, by reason (unauthenticated, invalid, busy, retained, ...).',
    labelNames: ['reason'],
  },
  stateWrites: {
    name: 'adaptd_state_writes_total',
    type: 'counter',
    help: 'State generations written and verified, by outcome (written, failed).',
    labelNames: ['outcome'],
  },
  lastStateWrite: {
    name: 'adaptd_state_last_write_timestamp_seconds',
    type: 'gauge',
    help: 'Unix time of the latest state generation written; 0 before the first.',
    labelNames: [],
  },
  stateQuarantined: {
    name: 'adaptd_state_quarantined_total',
    type: 'counter',
    help: 'Damaged state set aside into the quarantine folder (state generations, offsets, adaptation state, adapter versions), by reason.',
    labelNames: ['reason'],
  },
  redelivered: {
    name: 'adaptd_messages_redelivered_total',
    type: 'counter',
    help: 'Input messages skipped because the saved state already holds their effect (Kafka offsets at or below the saved one).',
    labelNames: ['transport'],
  },
  buildInfo: {
    name: 'adaptd_build_info',
    type: 'gauge',
    help: 'adaptd version and the version of the model in service (value 1).',
    labelNames: ['version', 'model_version'],
  },
} as const;

export type MetricKey = keyof typeof METRICS;

/** Every adaptd metric name, as the exposition shows it (histograms add _bucket/_sum/_count). */
export const METRIC_NAMES: readonly string[] = Object.values(METRICS).map((m) => m.name);

/** Prefixes of prom-client's default process metrics, also exported. */
export const DEFAULT_METRIC_PREFIXES = ['process_', 'nodejs_'] as const;

const UNIT_SUFFIX = /_(total|seconds|bytes|ratio|info)$/;
/** Counts, flags and scores that have no base unit; the names are fixed by the dashboards. */
const UNITLESS = new Set([
  'adaptd_broker_connected',
  'adaptd_buffer_rows',
  'adaptd_unsettled_messages',
  'adaptd_tensors',
  'adaptd_prediction_confidence',
  'adaptd_prediction_entropy',
  'adaptd_drift_statistic',
  'adaptd_drift_threshold',
  'adaptd_drift_alarm',
  'adaptd_drift_steps_since_reset',
  'adaptd_drift_domain_score',
  'adaptd_prototype_supports',
  'adaptd_target_buffer_windows',
]);

/**
 * The naming rules adaptd holds its metrics to, beyond Prometheus' syntax: one prefix,
 * snake case, _total exactly on counters, a base-unit suffix or a listed count. Returns the
 * problems, empty when the metric is fine.
 */
export function metricNameProblems(name: string, type: string): string[] {
  const problems: string[] = [];
  if (!/^adaptd_[a-z][a-z0-9_]*[a-z0-9]$/.test(name)) {
    problems.push(`${name} is not adaptd_ followed by snake_case`);
  }
  if ((type === 'counter') !== name.endsWith('_total')) {
    problems.push(`${name}: _total is for counters and every counter ends in it`);
  }
  if (!UNIT_SUFFIX.test(name) && !UNITLESS.has(name)) {
    problems.push(`${name} has no unit suffix (_seconds, _bytes, _ratio, _total, _info)`);
  }
  return problems;
}
