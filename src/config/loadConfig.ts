import convict from 'convict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AdaptdError } from '../errors.js';
import { configSchema, formats } from './configSchema.js';

for (const format of Object.values(formats)) convict.addFormat(format);

function build(args: string[], env: NodeJS.ProcessEnv): convict.Config<AdaptdConfigShape> {
  return convict(configSchema, { args, env });
}

type AdaptdConfigShape = ReturnType<ReturnType<typeof convict<SchemaShape>>['getProperties']>;
type SchemaShape = typeof configSchema extends convict.Schema<infer T> ? T : never;

function sensitiveKeys(node: Record<string, unknown>, prefix: string): string[] {
  return Object.entries(node).flatMap(([key, value]) => {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (typeof value !== 'object' || value === null) return [];
    if ('doc' in value) return (value as { sensitive?: boolean }).sensitive === true ? [path] : [];
    return sensitiveKeys(value as Record<string, unknown>, path);
  });
}

/**
 * Keys whose values are secrets (marked sensitive in the schema). They come from the
 * environment, or from the files their `*File` siblings name, never from a configuration file,
 * which tends to be committed, copied and printed.
 */
export const SECRET_KEYS: readonly string[] = sensitiveKeys(
  configSchema as unknown as Record<string, unknown>,
  '',
);

function refuseSecrets(file: string): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return; // convict reports an unreadable file with its own words
  }
  const found = SECRET_KEYS.filter((key) => {
    let node = parsed;
    for (const part of key.split('.')) {
      if (typeof node !== 'object' || node === null || !Object.hasOwn(node, part)) return false;
      node = (node as Record<string, unknown>)[part];
    }
    return true;
  });
  if (found.length > 0) {
    throw new AdaptdError(
      'CONFIG_INVALID',
      `configuration file ${file} sets ${found.join(', ')}: secrets are read only from the ` +
        'environment or from the file a *File key names',
      { context: { file, keys: found } },
    );
  }
}

/** The validated configuration, typed from the convict schema. */
export type AdaptdConfig = AdaptdConfigShape;

export interface LoadConfigOptions {
  /** Folder holding default.json and <environment>.json; defaults to ./config. */
  configDir?: string;
  /** Extra files applied after the folder's, in order. */
  files?: string[];
  /** Command-line flags as `--key value`; defaults to none (the CLI passes its own). */
  args?: string[];
  env?: NodeJS.ProcessEnv;
}

/**
 * Loads config/default.json, then config/<ADAPTD_ENV>.json, then given files, then
 * environment variables and flags, and validates strictly. Every bad key is listed in
 * one error, each with the value given and what is allowed.
 */
export function loadConfig(options: LoadConfigOptions = {}): {
  config: AdaptdConfig;
  toRedactedJson: () => string;
} {
  const env = options.env ?? process.env;
  const dir = options.configDir ?? join(process.cwd(), 'config');
  const files = [join(dir, 'default.json')];
  if (env.ADAPTD_ENV !== undefined && env.ADAPTD_ENV !== '') {
    files.push(join(dir, `${env.ADAPTD_ENV}.json`));
  }
  files.push(...(options.files ?? []));
  const loaded = build(options.args ?? [], env);
  for (const file of files) {
    if (!existsSync(file)) {
      if (file === files[0]) continue;
      throw new AdaptdError('CONFIG_INVALID', `configuration file ${file} does not exist`, {
        context: { file },
      });
    }
    refuseSecrets(file);
    try {
      loaded.loadFile(file);
    } catch (error) {
      throw new AdaptdError(
        'CONFIG_INVALID',
        `configuration file ${file} cannot be read: ${String(error)}`,
        {
          cause: error,
          context: { file },
        },
      );
    }
  }
  try {
    loaded.validate({ allowed: 'strict' });
  } catch (error) {
    const lines = String(error instanceof Error ? error.message : error)
      .split('\n')
      .filter((line) => line.trim() !== '');
    throw new AdaptdError('CONFIG_INVALID', `configuration is invalid:\n  ${lines.join('\n  ')}`, {
      cause: error,
      context: { problems: lines },
    });
  }
  return { config: loaded.getProperties(), toRedactedJson: () => loaded.toString() };
}
