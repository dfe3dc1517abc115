import type { Command } from 'commander';
import { registerDataCommand } from './dataCommand.js';

/** Every subcommand, registered in the order `adaptd --help` lists them. */
export function registerCommands(program: Command): void {
  registerDataCommand(program);
}
