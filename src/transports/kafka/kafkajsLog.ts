import { logLevel, type logCreator } from 'kafkajs';
import type { Logger } from '../../log.js';

/** Keys of a kafkajs log entry that pino already records its own way. */
const OWN_KEYS = new Set(['message', 'timestamp', 'logger']);

/**
 * Routes kafkajs's own log lines into pino. kafkajs reports at error level what it then retries
 * by itself (a coordinator still loading, a leader moving), so those become warnings: whatever
 * needs a person surfaces as an AdaptdError from the client instead.
 */
export function kafkajsLogCreator(logger: Logger): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const fields: Record<string, unknown> = { namespace, detail: log.message };
      for (const [key, value] of Object.entries(log)) {
        if (!OWN_KEYS.has(key)) fields[key] = value;
      }
      switch (level) {
        case logLevel.ERROR:
        case logLevel.WARN:
          logger.warn(fields, 'kafka client reported a problem');
          break;
        case logLevel.INFO:
          logger.debug(fields, 'kafka client event');
          break;
        case logLevel.DEBUG:
          logger.trace(fields, 'kafka client detail');
          break;
        case logLevel.NOTHING:
          break;
      }
    };
}

/** The kafkajs level that produces no more than the logger will keep. */
export function kafkajsLevel(logger: Logger): logLevel {
  if (logger.isLevelEnabled('trace')) return logLevel.DEBUG;
  if (logger.isLevelEnabled('debug')) return logLevel.INFO;
  if (logger.isLevelEnabled('warn')) return logLevel.WARN;
  return logLevel.NOTHING;
}
