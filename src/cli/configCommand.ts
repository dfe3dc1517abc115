import type { Command } from 'commander';
import type { CommandOutput } from './dataCommand.js';
import { addConfigFlags, configFromFlags } from './configFlags.js';

/**
 * `adaptd config check` validates the configuration `adaptd run` would use and lists every bad
 * key (exit 78 through CONFIG_INVALID); `adaptd config print` shows the effective values with
 * secrets redacted.
 */
export function registerConfigCommand(
  program: Command,
  output: CommandOutput = { stdout: process.stdout, stderr: process.stderr },
): void {
  const config = program
    .command('config')
    .description('check or print the configuration adaptd run would use');

  addConfigFlags(
    config
      .command('check')
      .description('validate config/, ADAPTD_* variables and flags; list every bad key'),
  ).action((flags: Record<string, unknown>) => {
    const { config: loaded } = configFromFlags(flags);
    output.stdout.write(`configuration is valid (machine ${loaded.machine.id})\n`);
  });

  addConfigFlags(
    config.command('print').description('print the effective configuration, secrets redacted'),
  ).action((flags: Record<string, unknown>) => {
    const { toRedactedJson } = configFromFlags(flags);
    output.stdout.write(`${toRedactedJson()}\n`);
  });
}
