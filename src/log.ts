import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/** Paths whose values never reach a log line, wherever they appear in the fields. */
const REDACTED_PATHS = [
  'password',
  '*.password',
  'secret',
  '*.secret',
  'token',
  '*.token',
  'sasl.password',
  'config.mqtt.password',
  'config.kafka.sasl.password',
  'config.commands.secret',
];

export interface LoggerSettings {
  level?: string;
  machineId?: string;
  /** Where JSON lines go; defaults to standard output. */
  destination?: NodeJS.WritableStream;
}

/** The root logger: JSON lines, secrets redacted, bound to the machine it serves. */
export function createLogger(settings: LoggerSettings = {}): Logger {
  const options: LoggerOptions = {
    level: settings.level ?? process.env.ADAPTD_LOG_LEVEL ?? 'info',
    base: settings.machineId === undefined ? {} : { machine: settings.machineId },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return settings.destination === undefined
    ? pino(options)
    : pino(options, settings.destination as pino.DestinationStream);
}

/** A logger that drops everything, for library code called without one. */
export const silentLogger: Logger = pino({ level: 'silent' });
