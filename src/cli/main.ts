#!/usr/bin/env node
import { Command } from 'commander';
import { isAdaptdError } from '../errors.js';
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
} as const;

function exitCodeFor(error: unknown): number {
  if (!isAdaptdError(error)) return EXIT_CODES.failure;
  switch (error.code) {
    case 'CONFIG_INVALID':
      return EXIT_CODES.config;
    case 'DATA_NOT_FOUND':
    case 'DATA_INVALID':
    case 'DATA_HASH_MISMATCH':
    case 'GCODE_INVALID':
      return EXIT_CODES.data;
    case 'MODEL_INVALID':
    case 'BACKEND_UNAVAILABLE':
    case 'KERNEL_SELF_TEST_FAILED':
      return EXIT_CODES.model;
    case 'BROKER_UNAVAILABLE':
    case 'SERVICE_FAILED':
      return EXIT_CODES.service;
    default:
      return EXIT_CODES.failure;
  }
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
