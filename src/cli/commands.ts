import type { Command } from 'commander';
import { registerConfigCommand } from './configCommand.js';
import { registerDataCommand } from './dataCommand.js';
import { registerEvaluateCommand } from './evaluateCommand.js';
import { registerPretrainCommand } from './pretrainCommand.js';
import { registerReplayCommand } from './replayCommand.js';

/** Every subcommand, registered in the order `adaptd --help` lists them. */
export function registerCommands(program: Command): void {
  registerDataCommand(program);
  registerPretrainCommand(program);
  registerEvaluateCommand(program);
  registerConfigCommand(program);
  registerReplayCommand(program);
}
