import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { AdaptdError } from '../errors.js';
import { readArrayFolder, writeArrayFolder } from './arrayFolder.js';
import type { AdapterWeights } from './adapterWeights.js';

const VERSION = /^a([1-9][0-9]*)$/;

/** What is recorded beside an adapter version's weights. */
export interface AdapterRecord {
  version: string;
  createdAt: string;
  trigger: string;
  strategy: string;
  head: string;
  /** Whether labelled target windows scored it before promotion. */
  labelled: boolean;
  scores: Record<string, number>;
}

/**
 * Adapter versions on disk, one folder each (`a1`, `a2`, ...: monotonic, never reused), each
 * written atomically with the sha256 of its weights and verified on load.
 */
export class AdapterStore {
  constructor(readonly dir: string) {}

  async save(weights: AdapterWeights, record: Omit<AdapterRecord, 'version'>): Promise<string> {
    const version = `a${(await this.highest()) + 1}`;
    await writeArrayFolder(this.path(version), weights, { ...record, version });
    return version;
  }

  async load(version: string): Promise<{ weights: AdapterWeights; record: AdapterRecord }> {
    if (!VERSION.test(version)) {
      throw new AdaptdError('COMMAND_REJECTED', `adapter version "${version}" is not like a1, a2`, {
        context: { version },
      });
    }
    const known = await this.versions();
    if (!known.includes(version)) {
      throw new AdaptdError(
        'COMMAND_REJECTED',
        `no adapter version ${version}; stored: ${known.join(', ') || 'none'}`,
        { context: { version, known } },
      );
    }
    const { weights, meta } = await readAdapterFolder(this.path(version));
    return { weights, record: meta as unknown as AdapterRecord };
  }

  /** Stored versions, oldest first. */
  async versions(): Promise<string[]> {
    await mkdir(this.dir, { recursive: true });
    const names = (await readdir(this.dir)).filter((name) => VERSION.test(name));
    return names.sort((a, b) => number(a) - number(b));
  }

  /** Removes the oldest versions beyond `keep`, never one named in `protect`. */
  async prune(keep: number, protect: ReadonlySet<string>): Promise<void> {
    const all = await this.versions();
    const removable = all.filter((version) => !protect.has(version));
    const excess = all.length - keep;
    for (const version of removable.slice(0, Math.max(0, excess))) {
      await rm(this.path(version), { recursive: true, force: true });
    }
  }

  private async highest(): Promise<number> {
    const all = await this.versions();
    return all.length === 0 ? 0 : number(all.at(-1)!);
  }

  /** The folder of a version (whether or not it exists). */
  folder(version: string): string {
    return this.path(version);
  }

  private path(version: string): string {
    return join(this.dir, version);
  }
}

function number(version: string): number {
  return Number(VERSION.exec(version)![1]);
}

/** Adapter weights from an array folder (a stored version or a challenger), verified. */
export async function readAdapterFolder(
  dir: string,
): Promise<{ weights: AdapterWeights; meta: Record<string, unknown> }> {
  const { arrays, manifest } = await readArrayFolder(dir);
  const weights: AdapterWeights = {};
  for (const [name, values] of Object.entries(arrays)) {
    if (!(values instanceof Float32Array)) {
      throw new AdaptdError('STATE_CORRUPT', `adapter weights in ${dir} hold non-float ${name}`);
    }
    weights[name] = values;
  }
  return { weights, meta: manifest.meta };
}
