import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { createLogger } from '../log.js';
import { runEmbeddedDefault } from '../service/embeddedDefault.js';
import { serve } from '../service/serve.js';
import { createTransports } from '../service/transports.js';
import { addConfigFlags, configFromFlags } from './configFlags.js';
import type { CommandOutput } from './dataCommand.js';

/** Time allowed after a graceful stop for open handles to close before the process exits. */
const EXIT_GRACE_MS = 3_000;
/** Exit code after a second Ctrl-C: 128 + SIGINT, as shells report an interrupted command. */
const INTERRUPTED = 130;

function packageVersion(): string {
  // src/cli and dist/cli both sit two levels below the package root.
  const json = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(json) as { version: string }).version;
}

/**
 * `adaptd run`: the daemon on the configured brokers, or with none configured the embedded
 * default (in-process broker and a replay of recorded runs). Flags map onto configuration keys
 * (`adaptd run --help` lists them with their keys).
 */
export interface RunCommandIo extends CommandOutput {
  /** Ends the process; tests pass one that does not. */
  exit: (code?: number) => void;
}

export function registerRunCommand(
  program: Command,
  io: RunCommandIo = {
    stdout: process.stdout,
    stderr: process.stderr,
    exit: (code) => process.exit(code),
  },
): void {
  addConfigFlags(
    program
      .command('run')
      .description('run the daemon; with no broker configured, a replay on an embedded broker'),
  ).action(async (flags: Record<string, unknown>) => {
    const { config } = configFromFlags(flags);
    const embedded = config.mqtt.url === '' && config.kafka.brokers.length === 0;
    // The embedded default talks to a person on stdout; its JSON logs go to stderr.
    const logger = createLogger({
      level: config.log.level,
      machineId: config.machine.id,
      ...(embedded ? { destination: io.stderr } : {}),
    });
    const version = packageVersion();
    const onImpatient = (signal: NodeJS.Signals) => {
      logger.warn({ signal }, 'second signal while stopping; exiting now');
      io.exit(INTERRUPTED);
    };
    try {
      if (embedded) {
        const print = (line: string) => io.stdout.write(`${line}\n`);
        await runEmbeddedDefault({ config, logger, version, print, onImpatient });
      } else {
        await serve({ config, logger, version, transports: createTransports, onImpatient });
      }
    } finally {
      // A client library that leaves a timer behind must not keep a stopped daemon alive.
      setTimeout(() => {
        logger.warn({ graceMs: EXIT_GRACE_MS }, 'handles still open after stop; exiting');
        io.exit();
      }, EXIT_GRACE_MS).unref();
    }
  });
}
