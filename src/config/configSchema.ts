import type { Schema } from 'convict';

/** Formats beyond convict's built-ins; each names what it allows in its error. */
export const formats = {
  mqttUrl: {
    name: 'mqtt-url',
    validate(value: unknown): void {
      if (value === '') return;
      if (typeof value !== 'string' || !/^(mqtts?|wss?|tcp|tls):\/\/[^\s]+$/.test(value)) {
        throw new Error('must be empty or a URL starting with mqtt://, mqtts://, ws:// or wss://');
      }
    },
  },
  brokerList: {
    name: 'broker-list',
    validate(value: unknown): void {
      if (!Array.isArray(value) || !value.every((b) => typeof b === 'string' && /:\d+$/.test(b))) {
        throw new Error('must be a list of host:port strings');
      }
    },
    coerce(value: string): string[] {
      return value
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part !== '');
    },
  },
  machineId: {
    name: 'machine-id',
    validate(value: unknown): void {
      if (typeof value !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(value)) {
        throw new Error('must be 1 to 64 letters, digits, _ or - (it becomes part of topic names)');
      }
    },
  },
  positiveInt: {
    name: 'positive-int',
    validate(value: unknown): void {
      if (!Number.isInteger(value) || (value as number) <= 0) {
        throw new Error('must be a whole number above 0');
      }
    },
    coerce: (value: string): number => Number(value),
  },
  nonNegativeInt: {
    name: 'non-negative-int',
    validate(value: unknown): void {
      if (!Number.isInteger(value) || (value as number) < 0) {
        throw new Error('must be a whole number, 0 or more');
      }
    },
    coerce: (value: string): number => Number(value),
  },
  channelMap: {
    name: 'channel-map',
    validate(value: unknown): void {
      const ok =
        typeof value === 'object' &&
        value !== null &&
        !Array.isArray(value) &&
        Object.entries(value).every(([k, v]) => k !== '' && typeof v === 'string' && v !== '');
      if (!ok) {
        throw new Error(
          'must be an object of machine channel name to model channel name, e.g. {"S1": "spindle"}',
        );
      }
    },
    coerce(value: string): unknown {
      try {
        return JSON.parse(value) as unknown;
      } catch {
        return value;
      }
    },
  },
  kafkaSessionMs: {
    name: 'kafka-session-ms',
    validate(value: unknown): void {
      if (!Number.isInteger(value) || (value as number) < 6000 || (value as number) > 1_800_000) {
        throw new Error(
          "must be a whole number of ms from 6000 to 1800000 (the brokers' default " +
            'group.min.session.timeout.ms and group.max.session.timeout.ms)',
        );
      }
    },
    coerce: (value: string): number => Number(value),
  },
  ratio: {
    name: 'ratio',
    validate(value: unknown): void {
      if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
        throw new Error('must be a number from 0 to 1');
      }
    },
    coerce: (value: string): number => Number(value),
  },
} as const;

/**
 * The one source of truth for configuration keys, types, defaults, documentation and
 * environment variable names. README's configuration table is generated from it.
 */
export const configSchema = {
  machine: {
    id: {
      doc: 'Machine identifier; names the MQTT topics, the Kafka group and the state folder',
      format: 'machine-id',
      default: 'mill-1',
      env: 'ADAPTD_MACHINE_ID',
      arg: 'machine',
    },
  },
  log: {
    level: {
      doc: 'Log level',
      format: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
      default: 'info',
      env: 'ADAPTD_LOG_LEVEL',
      arg: 'log-level',
    },
  },
  data: {
    dir: {
      doc: 'Folder of recorded runs (*_aligned.csv.gz) for replay; empty means ../shared/datasets/cnc-gcode-sensors',
      format: String,
      default: '',
      env: 'ADAPTD_DATA_DIR',
      arg: 'data',
    },
  },
  model: {
    dir: {
      doc: 'Model artifact folder',
      format: String,
      default: 'models/s1-standard',
      env: 'ADAPTD_MODEL_DIR',
      arg: 'model',
    },
    backend: {
      doc: 'TensorFlow.js backend: auto picks the native binding, then wasm, then cpu',
      format: ['auto', 'tensorflow', 'wasm', 'cpu'],
      default: 'auto',
      env: 'ADAPTD_BACKEND',
      arg: 'backend',
    },
  },
  windows: {
    length: {
      doc: 'Rows per window (must equal the model artifact)',
      format: 'positive-int',
      default: 64,
      env: 'ADAPTD_WINDOW_LENGTH',
    },
    stride: {
      doc: 'Rows between window starts',
      format: 'positive-int',
      default: 16,
      env: 'ADAPTD_WINDOW_STRIDE',
    },
    channelMap: {
      doc: 'Machine channel name to model channel name, as JSON; a name not listed stands for the model channel of the same name. Model channels no machine channel reaches are masked',
      format: 'channel-map',
      default: {} as Record<string, string>,
      env: 'ADAPTD_CHANNEL_MAP',
    },
    reorderRows: {
      doc: 'Sensor rows held back to put rows that arrive slightly out of order right; older rows are rejected as late. Each adds one row period of latency',
      format: 'non-negative-int',
      default: 2,
      env: 'ADAPTD_WINDOW_REORDER_ROWS',
    },
    maxGapMs: {
      doc: 'A pause between sensor rows longer than this (ms) ends the stretch: no window spans it',
      format: 'positive-int',
      default: 5000,
      env: 'ADAPTD_WINDOW_MAX_GAP_MS',
    },
  },
  inference: {
    batchSize: {
      doc: 'Most windows per model call; windows that wait together are scored together',
      format: 'positive-int',
      default: 32,
      env: 'ADAPTD_INFERENCE_BATCH_SIZE',
    },
  },
  service: {
    stopTimeoutMs: {
      doc: 'Most time each part may take to stop on SIGTERM before the next is stopped anyway (ms); keep the sum under the systemd stop timeout',
      format: 'positive-int',
      default: 15_000,
      env: 'ADAPTD_STOP_TIMEOUT_MS',
    },
  },
  demo: {
    speed: {
      doc: 'Replay speed of the embedded default (no broker configured): 1 is real time, larger is faster',
      format: 'positive-int',
      default: 20,
      env: 'ADAPTD_DEMO_SPEED',
      arg: 'demo-speed',
    },
    runsPerPhase: {
      doc: 'Recorded runs replayed in each phase of the embedded default (source program, new program, damaged tool)',
      format: 'positive-int',
      default: 3,
      env: 'ADAPTD_DEMO_RUNS_PER_PHASE',
      arg: 'demo-runs',
    },
  },
  mqtt: {
    url: {
      doc: 'MQTT broker URL; empty starts the embedded in-process broker',
      format: 'mqtt-url',
      default: '',
      env: 'ADAPTD_MQTT_URL',
      arg: 'mqtt-url',
    },
    username: {
      doc: 'MQTT user name',
      format: String,
      default: '',
      env: 'ADAPTD_MQTT_USERNAME',
    },
    passwordFile: {
      doc: 'File holding the MQTT password (never the password itself)',
      format: String,
      default: '',
      env: 'ADAPTD_MQTT_PASSWORD_FILE',
    },
    password: {
      doc: 'MQTT password, from the environment only (refused in configuration files and flags); use this or passwordFile, not both',
      format: String,
      default: '',
      env: 'ADAPTD_MQTT_PASSWORD',
      sensitive: true,
    },
    topicPrefix: {
      doc: 'Topic prefix; topics are <prefix>/<machine id>/<stream>',
      format: String,
      default: 'adaptd',
      env: 'ADAPTD_MQTT_TOPIC_PREFIX',
    },
    clientId: {
      doc: 'MQTT client id of the input session; empty means adaptd-<machine id>. Must stay the same across restarts so the broker keeps QoS 1 messages for it',
      format: String,
      default: '',
      env: 'ADAPTD_MQTT_CLIENT_ID',
    },
    sessionExpirySeconds: {
      doc: 'How long the broker keeps the input session (and its queued QoS 1 messages) while adaptd is away',
      format: 'positive-int',
      default: 86_400,
      env: 'ADAPTD_MQTT_SESSION_EXPIRY_SECONDS',
    },
    caFile: {
      doc: 'PEM file of the CA that signed the broker certificate (mqtts://); empty uses the system CAs',
      format: String,
      default: '',
      env: 'ADAPTD_MQTT_CA_FILE',
    },
    certFile: {
      doc: 'PEM client certificate for mutual TLS; empty sends none',
      format: String,
      default: '',
      env: 'ADAPTD_MQTT_CERT_FILE',
    },
    keyFile: {
      doc: 'PEM private key of certFile',
      format: String,
      default: '',
      env: 'ADAPTD_MQTT_KEY_FILE',
    },
  },
  kafka: {
    brokers: {
      doc: 'Kafka bootstrap brokers (host:port, comma separated); empty disables Kafka',
      format: 'broker-list',
      default: [] as string[],
      env: 'ADAPTD_KAFKA_BROKERS',
      arg: 'kafka-brokers',
    },
    topicPrefix: {
      doc: 'Kafka topic prefix; topics are <prefix>.<stream>, keyed by machine id',
      format: String,
      default: 'adaptd',
      env: 'ADAPTD_KAFKA_TOPIC_PREFIX',
    },
    groupId: {
      doc: 'Kafka consumer group; empty means adaptd-<machine id>, one group per machine',
      format: String,
      default: '',
      env: 'ADAPTD_KAFKA_GROUP_ID',
    },
    fromBeginning: {
      doc: 'Where a group with no committed offset starts: true reads the topics from the oldest record, false only new ones',
      format: Boolean,
      default: false,
      env: 'ADAPTD_KAFKA_FROM_BEGINNING',
    },
    sessionTimeoutMs: {
      doc: 'Consumer group session timeout (ms): how long the brokers wait for a silent daemon (one killed, or cut off) before its partitions go to the next member, such as the same daemon restarted',
      format: 'kafka-session-ms',
      default: 30000,
      env: 'ADAPTD_KAFKA_SESSION_TIMEOUT_MS',
    },
    tls: {
      doc: 'Connect to the brokers over TLS (SSL or SASL_SSL listeners)',
      format: Boolean,
      default: false,
      env: 'ADAPTD_KAFKA_TLS',
    },
    caFile: {
      doc: 'PEM file of the CA that signed the broker certificates; empty uses the system CAs',
      format: String,
      default: '',
      env: 'ADAPTD_KAFKA_CA_FILE',
    },
    certFile: {
      doc: 'PEM client certificate for mutual TLS; empty sends none',
      format: String,
      default: '',
      env: 'ADAPTD_KAFKA_CERT_FILE',
    },
    keyFile: {
      doc: 'PEM private key of certFile',
      format: String,
      default: '',
      env: 'ADAPTD_KAFKA_KEY_FILE',
    },
    sasl: {
      mechanism: {
        doc: 'SASL mechanism; none sends no credentials. Use it with kafka.tls, or the password crosses the network in the clear',
        format: ['none', 'plain', 'scram-sha-256', 'scram-sha-512'],
        default: 'none',
        env: 'ADAPTD_KAFKA_SASL_MECHANISM',
      },
      username: {
        doc: 'SASL user name',
        format: String,
        default: '',
        env: 'ADAPTD_KAFKA_SASL_USERNAME',
      },
      passwordFile: {
        doc: 'File holding the SASL password (never the password itself)',
        format: String,
        default: '',
        env: 'ADAPTD_KAFKA_SASL_PASSWORD_FILE',
      },
      password: {
        doc: 'SASL password, from the environment only (refused in configuration files and flags); use this or passwordFile, not both',
        format: String,
        default: '',
        env: 'ADAPTD_KAFKA_SASL_PASSWORD',
        sensitive: true,
      },
    },
  },
  messages: {
    maxBytes: {
      doc: 'Largest input payload accepted, in bytes; larger ones are rejected as too_large',
      format: 'positive-int',
      default: 1_048_576,
      env: 'ADAPTD_MESSAGES_MAX_BYTES',
    },
    deadLetterBytes: {
      doc: 'Bytes of a rejected payload kept in its dead letter; the rest is cut off',
      format: 'positive-int',
      default: 4096,
      env: 'ADAPTD_MESSAGES_DEAD_LETTER_BYTES',
    },
  },
  http: {
    host: {
      doc: 'Address for /metrics, /healthz and /readyz (localhost unless you mean otherwise)',
      format: String,
      default: '127.0.0.1',
      env: 'ADAPTD_HTTP_HOST',
    },
    port: {
      doc: 'Port for /metrics, /healthz and /readyz',
      format: 'port',
      default: 9464,
      env: 'ADAPTD_HTTP_PORT',
      arg: 'http-port',
    },
  },
  commands: {
    auth: {
      doc: "How commands are authenticated: secret (HMAC-SHA256 with one shared secret), identities (the command names its client, which must be in identitiesFile, and is signed with that client's own secret) or off (every command accepted; for tests only)",
      format: ['secret', 'identities', 'off'],
      default: 'secret',
      env: 'ADAPTD_COMMANDS_AUTH',
    },
    secretFile: {
      doc: 'File holding the shared command secret (auth secret); never the secret itself',
      format: String,
      default: '',
      env: 'ADAPTD_COMMANDS_SECRET_FILE',
    },
    secret: {
      doc: 'Shared command secret, from the environment only (refused in configuration files and flags); use this or secretFile, not both',
      format: String,
      default: '',
      env: 'ADAPTD_COMMANDS_SECRET',
      sensitive: true,
    },
    identitiesFile: {
      doc: 'File of allowed command clients (auth identities), one "<client> <secret>" per line',
      format: String,
      default: '',
      env: 'ADAPTD_COMMANDS_IDENTITIES_FILE',
    },
    maxLifetimeMs: {
      doc: 'Longest a command may live: its expiresAt must lie at most this far ahead (ms), which bounds how long a captured command could be replayed',
      format: 'positive-int',
      default: 300000,
      env: 'ADAPTD_COMMANDS_MAX_LIFETIME_MS',
    },
    replyCache: {
      doc: 'Request ids whose replies are kept to answer repeated deliveries of a command',
      format: 'positive-int',
      default: 1024,
      env: 'ADAPTD_COMMANDS_REPLY_CACHE',
    },
  },
  state: {
    dir: {
      doc: 'Folder for adapters, prototypes, support windows, drift state and offsets',
      format: String,
      default: 'state',
      env: 'ADAPTD_STATE_DIR',
      arg: 'state-dir',
    },
    generations: {
      doc: 'Verified state generations kept; older ones are deleted, a damaged one is moved to <dir>/quarantine',
      format: 'positive-int',
      default: 3,
      env: 'ADAPTD_STATE_GENERATIONS',
    },
  },
  buffers: {
    rows: {
      doc: 'Sensor rows, in windows waiting for the model, held before new windows are dropped (and counted)',
      format: 'positive-int',
      default: 4096,
      env: 'ADAPTD_BUFFER_ROWS',
    },
    targetWindows: {
      doc: 'Recent target windows (values, embedding, labels) kept for adaptation and shadow scoring; the oldest go first',
      format: 'positive-int',
      default: 1024,
      env: 'ADAPTD_BUFFER_TARGET_WINDOWS',
    },
  },
  drift: {
    expectedRunTime: {
      doc: 'Expected number of windows between false drift alarms',
      format: 'positive-int',
      default: 1000,
      env: 'ADAPTD_DRIFT_ERT',
    },
    sustainWindows: {
      doc: 'Windows above the drift threshold within one alarm episode after which the drift counts as sustained (an adaptation trigger)',
      format: 'positive-int',
      default: 64,
      env: 'ADAPTD_DRIFT_SUSTAIN_WINDOWS',
    },
    domainIntervalWindows: {
      doc: 'Windows between domain-classifier scores of recent against reference embeddings, run in a worker thread; 0 turns the score off',
      format: 'non-negative-int',
      default: 512,
      env: 'ADAPTD_DRIFT_DOMAIN_INTERVAL',
    },
    domainWindows: {
      doc: 'Most recent embeddings the domain classifier scores against the reference',
      format: 'positive-int',
      default: 128,
      env: 'ADAPTD_DRIFT_DOMAIN_WINDOWS',
    },
    domainPermutations: {
      doc: 'Refits on shuffled domain labels for the null of the domain score; the cost grows with it',
      format: 'positive-int',
      default: 19,
      env: 'ADAPTD_DRIFT_DOMAIN_PERMUTATIONS',
    },
  },
  labels: {
    holdoutBlockMs: {
      doc: 'Length of the time blocks target windows are split by (ms): whole blocks are held back for shadow scoring',
      format: 'positive-int',
      default: 120_000,
      env: 'ADAPTD_LABELS_HOLDOUT_BLOCK_MS',
    },
    holdoutEvery: {
      doc: 'Every n-th time block is held back from adaptation for shadow scoring; 0 holds none back',
      format: 'non-negative-int',
      default: 5,
      env: 'ADAPTD_LABELS_HOLDOUT_EVERY',
    },
    maxRanges: {
      doc: 'Operator label ranges remembered to label windows scored after the label came; the oldest go first',
      format: 'positive-int',
      default: 256,
      env: 'ADAPTD_LABELS_MAX_RANGES',
    },
    fromGcode: {
      doc: 'Label windows from the executing G-code lines: the motion command (G0 to G3) of every row, and the G-code heads (token type, command, parameter, value) of the last row',
      format: Boolean,
      default: true,
      env: 'ADAPTD_LABELS_FROM_GCODE',
    },
  },
  adaptation: {
    strategy: {
      doc: 'Transfer strategy of adaptation runs (src/strategies/registry.ts); it must adapt the model: mmd (adapters with an MMD alignment term, plus supervised terms where labels exist), adapters, coral, dann',
      format: ['mmd', 'adapters', 'coral', 'dann'],
      default: 'mmd',
      env: 'ADAPTD_ADAPTATION_STRATEGY',
    },
    head: {
      doc: 'Head whose labels adaptation learns from and shadow scoring judges (the adapters it trains feed every head)',
      format: String,
      default: 'operation',
      env: 'ADAPTD_ADAPTATION_HEAD',
    },
    steps: {
      doc: 'Optimiser steps of one adaptation run',
      format: 'positive-int',
      default: 100,
      env: 'ADAPTD_ADAPTATION_STEPS',
    },
    batchSize: {
      doc: 'Windows per domain in each training batch of an adaptation run',
      format: 'positive-int',
      default: 32,
      env: 'ADAPTD_ADAPTATION_BATCH_SIZE',
    },
    learningRate: {
      doc: 'Adam learning rate of an adaptation run',
      format: 'ratio',
      default: 0.001,
      env: 'ADAPTD_ADAPTATION_LEARNING_RATE',
    },
    seed: {
      doc: 'Seed of an adaptation run (batches); the same buffer and seed train the same challenger',
      format: 'non-negative-int',
      default: 1,
      env: 'ADAPTD_ADAPTATION_SEED',
    },
    intervalMs: {
      doc: 'Time between scheduled adaptation runs (ms); 0 turns the schedule off (drift and commands still trigger runs)',
      format: 'non-negative-int',
      default: 3_600_000,
      env: 'ADAPTD_ADAPTATION_INTERVAL_MS',
    },
    driftTrigger: {
      doc: 'Start an adaptation run on sustained drift (a drift.sustained episode)',
      format: Boolean,
      default: true,
      env: 'ADAPTD_ADAPTATION_DRIFT_TRIGGER',
    },
    driftCooldownMs: {
      doc: 'Least time after an adaptation run ends before sustained drift may trigger another (ms)',
      format: 'non-negative-int',
      default: 900_000,
      env: 'ADAPTD_ADAPTATION_DRIFT_COOLDOWN_MS',
    },
    timeoutMs: {
      doc: 'Most time the training process of one run may take before it is killed and the run fails (ms)',
      format: 'positive-int',
      default: 600_000,
      env: 'ADAPTD_ADAPTATION_TIMEOUT_MS',
    },
    minTargetWindows: {
      doc: 'Fewest buffered target windows (outside held-back blocks) an adaptation run starts with',
      format: 'positive-int',
      default: 64,
      env: 'ADAPTD_ADAPTATION_MIN_TARGET_WINDOWS',
    },
    minHeldBack: {
      doc: 'Fewest held-back labelled target windows for a labelled verdict; with fewer the verdict is label-free',
      format: 'positive-int',
      default: 20,
      env: 'ADAPTD_ADAPTATION_MIN_HELD_BACK',
    },
    minGain: {
      doc: 'Balanced-accuracy gain over the champion on held-back labelled target windows a challenger needs for promotion',
      format: 'ratio',
      default: 0.02,
      env: 'ADAPTD_ADAPTATION_MIN_GAIN',
    },
    sourceTolerance: {
      doc: 'Largest drop of balanced accuracy on the source holdout a challenger may show against the champion',
      format: 'ratio',
      default: 0.05,
      env: 'ADAPTD_ADAPTATION_SOURCE_TOLERANCE',
    },
    sourceHoldoutWindows: {
      doc: 'Most source holdout windows used (half to train the supervised source term, half to score), when read from the data folder',
      format: 'positive-int',
      default: 512,
      env: 'ADAPTD_ADAPTATION_SOURCE_HOLDOUT_WINDOWS',
    },
    minEffectiveClasses: {
      doc: 'Collapse check: fewest effective classes (exp of the entropy of the predicted-class shares) on target windows, unless the labels are as concentrated',
      format: Number,
      default: 1.5,
      env: 'ADAPTD_ADAPTATION_MIN_EFFECTIVE_CLASSES',
    },
    maxClassShare: {
      doc: 'Collapse check: largest share of target windows one class may take, unless the labels show as much',
      format: 'ratio',
      default: 0.9,
      env: 'ADAPTD_ADAPTATION_MAX_CLASS_SHARE',
    },
    minMeanEntropy: {
      doc: 'Collapse check: floor of the mean prediction entropy on target windows (nats)',
      format: Number,
      default: 0.01,
      env: 'ADAPTD_ADAPTATION_MIN_MEAN_ENTROPY',
    },
    labelFree: {
      doc: 'Allow promotion without enough held-back labelled windows (collapse and source checks only)',
      format: Boolean,
      default: true,
      env: 'ADAPTD_ADAPTATION_LABEL_FREE',
    },
    labelFreeLimit: {
      doc: 'Label-free promotions in a row after which the next run starts from the source model again (reset)',
      format: 'positive-int',
      default: 3,
      env: 'ADAPTD_ADAPTATION_LABEL_FREE_LIMIT',
    },
    probationWindows: {
      doc: 'Windows served after a promotion during which guardrails roll the adapter back automatically; 0 turns probation off',
      format: 'non-negative-int',
      default: 256,
      env: 'ADAPTD_ADAPTATION_PROBATION_WINDOWS',
    },
    probationConfidenceDrop: {
      doc: 'Probation guardrail: largest fall of mean confidence on live windows against the champion before the promotion',
      format: 'ratio',
      default: 0.15,
      env: 'ADAPTD_ADAPTATION_PROBATION_CONFIDENCE_DROP',
    },
    keepAdapters: {
      doc: 'Adapter versions kept on disk for rollback and promote (the champion and its predecessors are always kept)',
      format: 'positive-int',
      default: 5,
      env: 'ADAPTD_ADAPTATION_KEEP_ADAPTERS',
    },
  },
} satisfies Schema<unknown>;
