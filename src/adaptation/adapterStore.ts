import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { AdaptdError, isAdaptdError } from '../errors.js';
import { quarantineDir, quarantineStamp, setAside } from '../state/quarantine.js';
import type { DamageReason } from '../state/stateStore.js';
import { exists, recoverFolder } from '../util/atomicFs.js';
import { readArrayFolder, writeArrayFolder } from './arrayFolder.js';
import type { AdapterWeights } from './adapterWeights.js';

/** An adapter version's name: a1, a2, ... */
export const ADAPTER_VERSION = /^a[1-9][0-9]*$/;
const VERSION = /^a([1-9][0-9]*)$/;
/**
 * What a crash can leave beside a version: writeFolderAtomic's staging and replaced folders,
 * and a version being removed by prune (renamed first, so that no half-deleted version stays).
 */
const LEFTOVER = /^(a[1-9][0-9]*)\.(staging|previous|removing)-/;
/** A version set aside: `<state.dir>/quarantine/adapter-aN-<reason>-<time>`. */
const QUARANTINED = /^adapter-a([1-9][0-9]*)-/;

/** A stored version read and verified, or why it cannot serve. */
export type VersionCheck =
  { ok: true; weights: AdapterWeights } | { ok: false; reason: DamageReason; detail: string };

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
 * Adapter versions on disk, one folder each (`a1`, `a2`, ...: monotonic, never reused, also
 * after one was set aside), each written atomically with the sha256 of its weights and
 * verified on load. A version is written into `aN.staging-<hex>` and renamed to `aN` once every
 * file is fsynced, so only a complete write is ever listed as a version.
 */
export class AdapterStore {
  /**
   * @param dir the versions' folder, `<state.dir>/adapters`
   * @param stateDir the state folder, whose quarantine may hold versions set aside
   */
  constructor(
    readonly dir: string,
    private readonly stateDir: string,
  ) {}

  /**
   * Removes what a crash left of a write or a removal (a replaced folder is put back): run at
   * start, before anything is read. Returns the names removed or put back.
   */
  async clean(): Promise<string[]> {
    await mkdir(this.dir, { recursive: true });
    const leftovers = (await readdir(this.dir)).filter((name) => LEFTOVER.test(name));
    for (const name of leftovers) {
      const [, base, kind] = LEFTOVER.exec(name)!;
      if (kind === 'removing') await rm(join(this.dir, name), { recursive: true, force: true });
      else await recoverFolder(this.path(base!));
    }
    return leftovers;
  }

  /**
   * Reads and verifies a version without throwing for damage: a missing folder or one that
   * fails verification says why (the caller sets it aside and reports it).
   */
  async check(version: string): Promise<VersionCheck> {
    if (!VERSION.test(version) || !(await exists(this.path(version)))) {
      return { ok: false, reason: 'missing', detail: `adapter version ${version} is not on disk` };
    }
    try {
      const { weights } = await readAdapterFolder(this.path(version));
      return { ok: true, weights };
    } catch (error) {
      if (!isAdaptdError(error, 'STATE_CORRUPT')) throw error;
      const reason = (error.context['reason'] as DamageReason | undefined) ?? 'invalid';
      return { ok: false, reason, detail: error.message };
    }
  }

  /** Moves a damaged version's folder to the quarantine; returns where it now lies. */
  async setAside(version: string, reason: DamageReason, now: Date): Promise<string> {
    return setAside(
      this.stateDir,
      this.path(version),
      `adapter-${version}-${reason}-${quarantineStamp(now)}`,
    );
  }

  async save(weights: AdapterWeights, record: Omit<AdapterRecord, 'version'>): Promise<string> {
    const version = `a${(await this.highest()) + 1}`;
    await writeArrayFolder(this.path(version), weights, { ...record, version });
    return version;
  }

  /** COMMAND_REJECTED unless `version` is a version name with a folder here. */
  async assertStored(version: string): Promise<void> {
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
      // Out of the versions first: a crash during the removal leaves a leftover, not a version
      // with half its files.
      const removing = `${this.path(version)}.removing-${randomBytes(6).toString('hex')}`;
      await rename(this.path(version), removing);
      await rm(removing, { recursive: true, force: true });
    }
  }

  /** The highest version number ever stored: on disk or set aside. */
  private async highest(): Promise<number> {
    const all = await this.versions();
    const stored = all.length === 0 ? 0 : number(all.at(-1)!);
    const quarantined = await readdir(quarantineDir(this.stateDir)).catch(() => [] as string[]);
    return quarantined.reduce((top, entry) => {
      const match = QUARANTINED.exec(entry);
      return match === null ? top : Math.max(top, Number(match[1]));
    }, stored);
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
