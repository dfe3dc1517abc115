import type { Command } from 'commander';

/** Every subcommand, registered in the order `adaptd --help` lists them. */
export function registerCommands(program: Command): void {
  void program;
}
