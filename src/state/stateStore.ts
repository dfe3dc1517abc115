import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { AdaptdError } from '../errors.js';
import type { Logger } from '../log.js';
import { sha256, syncPath } from '../util/atomicFs.js';
import { quarantineDir, quarantineStamp, setAside } from './quarantine.js';
import {
  MANIFEST,
  STATE_FILE_NAME,
  manifestChecksum,
  sealManifest,
  stateManifestSchema,
  type StateManifest,
} from './stateManifest.js';

/**
 * Why state was set aside, a bounded metric label: a bad manifest, a file missing, shorter
 * than recorded (or a document cut off), not matching its checksum, not in the manifest, or a
 * document that is not JSON or not of its schema (`invalid`).
 */
export type DamageReason =
  'manifest' | 'missing' | 'truncated' | 'checksum' | 'unexpected' | 'invalid';

export interface DamageReport {
  /** What was damaged: a generation (gNNN...), a file (offsets.json) or adapters/aN. */
  generation: string;
  reason: DamageReason;
  detail: string;
  /** Where the damaged state now lies; absent when there was nothing to move (missing). */
  quarantinedTo?: string;
}

/** A verified generation: every file matched its manifest when read. */
export interface StateGeneration {
  generation: number;
  path: string;
  createdAt: string;
  meta: Record<string, unknown>;
  files: ReadonlyMap<string, Buffer>;
}

export interface StateStoreOptions {
  /** The state folder (config state.dir). */
  dir: string;
  /** Good generations kept; older ones are deleted after each write. */
  keep: number;
  logger: Logger;
  /** Told of each damaged generation set aside (metric, event); the store logs it itself. */
  onDamage?: (report: DamageReport) => void;
  now?: () => Date;
}

const GENERATION = /^g([0-9]{12})$/;
const STAGING = /^\.staging-/;
const name = (generation: number) => `g${String(generation).padStart(12, '0')}`;

class Damage extends Error {
  constructor(
    readonly reason: DamageReason,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Versioned state on disk: `<dir>/generations/gNNNNNNNNNNNN/`, each a set of files and a
 * manifest holding the sha256 and size of every file and a checksum of itself.
 *
 * A generation is written into a hidden staging folder (each file written and fsynced, the
 * manifest last), the folder fsynced and renamed into place, and the parent fsynced; a crash
 * at any point leaves the previous generations as they were and at most a staging folder,
 * which the next open() removes. On open() the newest generation is verified file by file; a
 * damaged one (corrupted, truncated, missing or unexpected files, a bad manifest) is moved to
 * `<dir>/quarantine/`, reported, and the next older one is tried.
 */
export class StateStore {
  private readonly generations: string;
  private readonly quarantine: string;
  private readonly log: Logger;
  private readonly now: () => Date;
  private highest = 0;
  private opened = false;

  constructor(private readonly options: StateStoreOptions) {
    this.generations = join(options.dir, 'generations');
    this.quarantine = quarantineDir(options.dir);
    this.log = options.logger.child({ component: 'state' });
    this.now = options.now ?? (() => new Date());
  }

  /**
   * Cleans up after a crash and returns the newest generation that verifies, or undefined when
   * there is none (first start, or every generation damaged: the caller serves the source).
   */
  async open(): Promise<StateGeneration | undefined> {
    await mkdir(this.generations, { recursive: true });
    const entries = await readdir(this.generations);
    for (const entry of entries.filter((e) => STAGING.test(e))) {
      await rm(join(this.generations, entry), { recursive: true, force: true });
    }
    const numbers = entries.flatMap((e) => {
      const match = GENERATION.exec(e);
      return match === null ? [] : [Number(match[1])];
    });
    numbers.sort((a, b) => b - a);
    this.highest = Math.max(this.highest, numbers[0] ?? 0, await this.highestQuarantined());
    this.opened = true;
    for (const generation of numbers) {
      const loaded = await this.verify(generation).catch(async (error: unknown) => {
        if (!(error instanceof Damage)) throw error;
        await this.setAside(generation, error);
        return undefined;
      });
      if (loaded !== undefined) {
        this.log.info({ generation, files: loaded.files.size }, 'state restored');
        return loaded;
      }
    }
    this.log.info({ dir: this.options.dir }, 'no saved state; starting from the source model');
    return undefined;
  }

  /**
   * Writes a new generation holding `files` and returns it once it is durable; then deletes
   * all but the newest `keep` generations.
   */
  async write(
    files: Readonly<Record<string, Uint8Array | string>>,
    meta: Record<string, unknown> = {},
  ): Promise<{ generation: number; path: string }> {
    if (!this.opened) throw new AdaptdError('INTERNAL', 'state written before it was opened');
    const bytes = new Map<string, Uint8Array>();
    for (const [file, data] of Object.entries(files)) {
      if (!STATE_FILE_NAME.test(file) || file === MANIFEST) {
        throw new AdaptdError('INTERNAL', `state file name ${JSON.stringify(file)} not allowed`);
      }
      bytes.set(file, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    }
    this.highest += 1;
    const generation = this.highest;
    const manifest = sealManifest(generation, bytes, meta, this.now());
    const staging = join(this.generations, `.staging-${name(generation)}`);
    const target = join(this.generations, name(generation));
    await rm(staging, { recursive: true, force: true });
    await mkdir(staging);
    try {
      for (const [file, data] of bytes) await writeSynced(join(staging, file), data);
      await writeSynced(join(staging, MANIFEST), `${JSON.stringify(manifest, null, 1)}\n`);
      await syncPath(staging);
      await rename(staging, target);
      await syncPath(this.generations);
    } catch (error) {
      await rm(staging, { recursive: true, force: true });
      throw new AdaptdError('STATE_CORRUPT', `state generation ${generation} not written`, {
        cause: error,
        context: { dir: this.options.dir, generation },
        retriable: true,
      });
    }
    await this.prune();
    return { generation, path: target };
  }

  private async verify(generation: number): Promise<StateGeneration> {
    const path = join(this.generations, name(generation));
    let manifest: StateManifest;
    try {
      const parsed = stateManifestSchema.safeParse(
        JSON.parse(await readFile(join(path, MANIFEST), 'utf8')),
      );
      if (!parsed.success) throw new Error(parsed.error.issues[0]?.message ?? 'invalid');
      manifest = parsed.data;
    } catch (error) {
      throw new Damage('manifest', `manifest unreadable: ${(error as Error).message}`);
    }
    if (manifestChecksum(manifest) !== manifest.checksum) {
      throw new Damage('manifest', 'manifest does not match its checksum');
    }
    if (manifest.generation !== generation) {
      throw new Damage('manifest', `manifest says generation ${manifest.generation}`);
    }
    const present = new Set(await readdir(path));
    present.delete(MANIFEST);
    const files = new Map<string, Buffer>();
    for (const [file, expected] of Object.entries(manifest.files)) {
      if (!present.delete(file)) throw new Damage('missing', `${file} is missing`);
      const data = await readFile(join(path, file));
      if (data.byteLength !== expected.bytes) {
        throw new Damage(
          'truncated',
          `${file} has ${data.byteLength} bytes, not ${expected.bytes}`,
        );
      }
      if (sha256(data) !== expected.sha256) {
        throw new Damage('checksum', `${file} does not match its sha256`);
      }
      files.set(file, data);
    }
    if (present.size > 0) {
      throw new Damage('unexpected', `files not in the manifest: ${[...present].join(', ')}`);
    }
    return { generation, path, createdAt: manifest.createdAt, meta: manifest.meta, files };
  }

  private async setAside(generation: number, damage: Damage): Promise<void> {
    const quarantinedTo = await setAside(
      this.options.dir,
      join(this.generations, name(generation)),
      `${name(generation)}-${damage.reason}-${quarantineStamp(this.now())}`,
    );
    const report: DamageReport = {
      generation: name(generation),
      reason: damage.reason,
      detail: damage.message,
      quarantinedTo,
    };
    // A person should look: the disk or something beside adaptd damaged the state.
    this.log.error(report, 'damaged state generation set aside');
    this.options.onDamage?.(report);
  }

  /** Quarantined generations keep their numbers from being reused. */
  private async highestQuarantined(): Promise<number> {
    const entries = await readdir(this.quarantine).catch(() => [] as string[]);
    return entries.reduce((top, entry) => {
      const match = /^g([0-9]{12})-/.exec(entry);
      return match === null ? top : Math.max(top, Number(match[1]));
    }, 0);
  }

  private async prune(): Promise<void> {
    const entries = (await readdir(this.generations)).filter((e) => GENERATION.test(e)).sort();
    for (const old of entries.slice(0, Math.max(0, entries.length - this.options.keep))) {
      await rm(join(this.generations, old), { recursive: true, force: true });
    }
  }
}

async function writeSynced(path: string, data: Uint8Array | string): Promise<void> {
  const handle = await open(path, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}
