import { configSchema } from '../../src/config/configSchema.js';

/** Every environment variable name the configuration schema reads. */
export function configEnvNames(node: unknown = configSchema): string[] {
  if (typeof node !== 'object' || node === null) return [];
  if ('env' in node && typeof node.env === 'string') return [node.env];
  return Object.values(node).flatMap((child) => configEnvNames(child));
}
