import { Option, type Command } from 'commander';
import { configSchema } from '../config/configSchema.js';
import { loadConfig, type AdaptdConfig } from '../config/loadConfig.js';

/** A configuration key that has a command-line flag (its `arg` in the schema). */
interface FlagKey {
  key: string;
  flag: string;
  doc: string;
}

interface SchemaLeaf {
  doc: string;
  arg?: string;
  default: unknown;
}

function isLeaf(node: unknown): node is SchemaLeaf {
  return typeof node === 'object' && node !== null && 'default' in node && 'doc' in node;
}

/** Every key with a flag, read from the schema so flags cannot drift from it. */
export function flagKeys(node: unknown = configSchema, path: string[] = []): FlagKey[] {
  if (isLeaf(node)) {
    return node.arg === undefined ? [] : [{ key: path.join('.'), flag: node.arg, doc: node.doc }];
  }
  if (typeof node !== 'object' || node === null) return [];
  return Object.entries(node).flatMap(([name, child]) => flagKeys(child, [...path, name]));
}

/** Commander's property name for a flag: `mqtt-url` -> `mqttUrl`. */
function attributeOf(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/**
 * Adds `--config <file>` (repeatable) and one flag per schema key that has one, each
 * documented by its key. Values stay strings here: convict parses and validates them, so a
 * flag and its environment variable fail the same way.
 */
export function addConfigFlags(command: Command): Command {
  command.addOption(
    new Option('--config <file>', 'extra configuration file, applied after config/ (repeatable)')
      .argParser((file: string, previous: string[] = []) => [...previous, file])
      .default([]),
  );
  for (const { key, flag, doc } of flagKeys()) {
    command.addOption(new Option(`--${flag} <value>`, `${doc} [${key}]`));
  }
  return command;
}

/** Loads the configuration the way `adaptd run` will, from the flags addConfigFlags added. */
export function configFromFlags(
  flags: Record<string, unknown>,
  env: NodeJS.ProcessEnv = process.env,
): { config: AdaptdConfig; toRedactedJson: () => string } {
  const args = flagKeys().flatMap(({ flag }) => {
    const value = flags[attributeOf(flag)];
    return typeof value === 'string' ? [`--${flag}`, value] : [];
  });
  const files = Array.isArray(flags.config) ? (flags.config as string[]) : [];
  return loadConfig({ args, files, env });
}
