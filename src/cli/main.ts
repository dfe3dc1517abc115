#!/usr/bin/env node
import { Command } from 'commander';
import { isAdaptdError, type ErrorCode } from '../errors.js';
import { registerCommands } from './commands.js';

/** Exit codes, one per kind of fatal failure, so systemd and scripts can tell them apart. */
export const EXIT_CODES = {
  ok: 0,
  failure: 1,
  usage: 2,
  config: 78,
  data: 65,
  model: 66,
  service: 69,
  state: 74,
} as const;

/** The exit code for each error code; the Record type makes the mapping exhaustive. */
const EXIT_CODE_OF: Record<ErrorCode, number> = {
  CONFIG_INVALID: EXIT_CODES.config,
  DATA_NOT_FOUND: EXIT_CODES.data,
  DATA_INVALID: EXIT_CODES.data,
  DATA_HASH_MISMATCH: EXIT_CODES.data,
  GCODE_INVALID: EXIT_CODES.data,
  MESSAGE_INVALID: EXIT_CODES.data,
  MODEL_INVALID: EXIT_CODES.model,
  BACKEND_UNAVAILABLE: EXIT_CODES.model,
  KERNEL_SELF_TEST_FAILED: EXIT_CODES.model,
  TRAINING_FAILED: EXIT_CODES.failure,
  STATE_CORRUPT: EXIT_CODES.state,
  BROKER_UNAVAILABLE: EXIT_CODES.service,
  SERVICE_FAILED: EXIT_CODES.service,
  COMMAND_REJECTED: EXIT_CODES.failure,
  BUSY: EXIT_CODES.failure,
  INTERNAL: EXIT_CODES.failure,
};

function exitCodeFor(error: unknown): number {
  return isAdaptdError(error) ? EXIT_CODE_OF[error.code] : EXIT_CODES.failure;
}

const program = new Command('adaptd')
  .description('Adapt a pretrained machining-sensor model to the CNC machine it runs beside')
  .showHelpAfterError();
registerCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`adaptd: ${message}\n`);
  process.exitCode = exitCodeFor(error);
}
