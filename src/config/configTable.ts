import { configSchema } from './configSchema.js';

interface Leaf {
  doc: string;
  default: unknown;
  env?: string;
  arg?: string;
  format?: unknown;
}

function isLeaf(value: unknown): value is Leaf {
  return typeof value === 'object' && value !== null && 'doc' in value && 'default' in value;
}

function leaves(node: Record<string, unknown>, prefix: string): [string, Leaf][] {
  return Object.entries(node).flatMap(([key, value]) => {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (isLeaf(value)) return [[path, value] as [string, Leaf]];
    return leaves(value as Record<string, unknown>, path);
  });
}

/** The configuration reference as a Markdown table, generated from the convict schema. */
export function configTable(): string {
  const rows = leaves(configSchema as unknown as Record<string, unknown>, '').map(([key, leaf]) => {
    const fallback = JSON.stringify(leaf.default);
    const where = [
      leaf.env === undefined ? '' : `\`${leaf.env}\``,
      leaf.arg === undefined ? '' : `\`--${leaf.arg}\``,
    ]
      .filter((s) => s !== '')
      .join(', ');
    return `| \`${key}\` | ${leaf.doc.replaceAll('|', '\\|')} | \`${fallback}\` | ${where} |`;
  });
  return [
    '| key | meaning | default | environment, flag |',
    '| --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}
