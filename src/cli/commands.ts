import type { Command } from 'commander';
import { registerConfigCommand } from './configCommand.js';
import { registerDataCommand } from './dataCommand.js';
import { registerDriftCommand } from './driftCommand.js';
import { registerEvaluateCommand } from './evaluateCommand.js';
import { registerModelCommand } from './modelCommand.js';
import { registerPretrainCommand } from './pretrainCommand.js';
import { registerRunCommand } from './runCommand.js';
import { registerReplayCommand } from './replayCommand.js';

/** Every subcommand, registered in the order `adaptd --help` lists them. */
export function registerCommands(program: Command): void {
  registerRunCommand(program);
  registerDataCommand(program);
  registerPretrainCommand(program);
  registerEvaluateCommand(program);
  registerDriftCommand(program);
  registerModelCommand(program);
  registerConfigCommand(program);
  registerReplayCommand(program);
}
