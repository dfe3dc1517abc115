/**
 * Every error adaptd raises on purpose. The code comes from a closed set so that
 * the supervisor, the command replies and the metrics can switch on it; the
 * `retriable` flag tells the supervisor whether restarting the failed part can help.
 */
export const ERROR_CODES = {
  CONFIG_INVALID: 'a configuration value is missing, of the wrong type or out of range',
  DATA_NOT_FOUND: 'a data folder or recorded run does not exist',
  DATA_INVALID: 'a recorded run or data file cannot be parsed',
  DATA_HASH_MISMATCH: 'a downloaded or stored file does not match its expected hash',
  GCODE_INVALID: 'a G-code line or token cannot be parsed',
  MESSAGE_INVALID: 'an incoming message does not match its schema',
  MODEL_INVALID: 'a model artifact is missing, tampered with or does not match',
  BACKEND_UNAVAILABLE: 'no TensorFlow.js backend could be initialised',
  KERNEL_SELF_TEST_FAILED: 'a kernel override disagrees with the stock kernel',
  TRAINING_FAILED: 'a training or adaptation run failed or produced non-finite values',
  STATE_CORRUPT: 'a persisted state file failed its checksum or could not be parsed',
  BROKER_UNAVAILABLE: 'a message broker could not be reached',
  COMMAND_REJECTED: 'a control command was refused',
  BUSY: 'an adaptation is already running, so another cannot start',
  SERVICE_FAILED: 'an external service needed by a command did not start or answer',
  INTERNAL: 'an invariant inside adaptd was broken',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface AdaptdErrorOptions {
  cause?: unknown;
  context?: Record<string, unknown>;
  retriable?: boolean;
}

export class AdaptdError extends Error {
  readonly code: ErrorCode;
  readonly context: Record<string, unknown>;
  readonly retriable: boolean;

  constructor(code: ErrorCode, message: string, options: AdaptdErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AdaptdError';
    this.code = code;
    this.context = options.context ?? {};
    this.retriable = options.retriable ?? false;
  }
}

export function isAdaptdError(value: unknown, code?: ErrorCode): value is AdaptdError {
  return value instanceof AdaptdError && (code === undefined || value.code === code);
}
