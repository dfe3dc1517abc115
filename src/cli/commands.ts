import type { Command } from 'commander';
import { registerDataCommand } from './dataCommand.js';
import { registerPretrainCommand } from './pretrainCommand.js';

/** Every subcommand, registered in the order `adaptd --help` lists them. */
export function registerCommands(program: Command): void {
  registerDataCommand(program);
  registerPretrainCommand(program);
}
