import canonicalize from 'canonicalize';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { Logger } from '../log.js';
import { quarantineStamp, setAside } from '../state/quarantine.js';
import type { DamageReason, DamageReport } from '../state/stateStore.js';
import { sha256, writeFileAtomic } from '../util/atomicFs.js';
import { ADAPTER_VERSION } from './adapterStore.js';

const version = z.string().regex(ADAPTER_VERSION);

const stateFields = {
  /** The adapter version serving; null: the source model. */
  champion: version.nullable(),
  /** Earlier champions, oldest first: rollback returns to the last one. */
  history: z.array(version.nullable()),
  /** Label-free promotions since the last labelled check or reset. */
  labelFreeStreak: z.number().int().nonnegative(),
  frozen: z.boolean(),
};

const FORMAT = 'adaptd-adaptation/2';

/** The document on disk: the state, sealed with the sha256 of its RFC 8785 form. */
const documentSchema = z.strictObject({
  format: z.literal(FORMAT),
  ...stateFields,
  checksum: z.string().regex(/^[0-9a-f]{64}$/),
});

/** The first format, without a checksum: still read (a daemon updated in place). */
const documentV1Schema = z.object({ format: z.literal('adaptd-adaptation/1'), ...stateFields });

const stateSchema = z.strictObject(stateFields);
/** The state's own fields of a document (format and checksum dropped). */
const stateOfDocument = z.object(stateFields);

export type AdaptationState = z.infer<typeof stateSchema>;

export const INITIAL_STATE: AdaptationState = {
  champion: null,
  history: [],
  labelFreeStreak: 0,
  frozen: false,
};

export const ADAPTATION_FILE = 'adaptation.json';
/** The state before the latest change, verified as it was written: the fallback. */
export const PREVIOUS_ADAPTATION_FILE = 'adaptation.previous.json';

function checksum(state: AdaptationState): string {
  const body = { format: FORMAT, ...stateSchema.parse(state) };
  return sha256(canonicalize(body) ?? '');
}

/** The document for `state`, with its checksum. */
export function adaptationDocument(state: AdaptationState): string {
  const body = stateSchema.parse(state);
  return `${JSON.stringify({ format: FORMAT, ...body, checksum: checksum(body) }, null, 1)}\n`;
}

/** The state a document holds, or why it cannot be trusted. */
export function parseAdaptationDocument(
  text: string,
): { ok: true; state: AdaptationState } | { ok: false; reason: DamageReason; detail: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    // Every document ends with its closing brace: without one, the file was cut off.
    const cut = !/\}\s*$/.test(text);
    return { ok: false, reason: cut ? 'truncated' : 'invalid', detail: `not JSON: ${message}` };
  }
  const v2 = documentSchema.safeParse(parsed);
  if (v2.success) {
    const state = stateOfDocument.parse(v2.data);
    if (checksum(state) !== v2.data.checksum) {
      return { ok: false, reason: 'checksum', detail: 'does not match its checksum' };
    }
    return { ok: true, state };
  }
  const v1 = documentV1Schema.safeParse(parsed);
  if (v1.success) {
    return { ok: true, state: stateOfDocument.parse(v1.data) };
  }
  const issue = v2.error.issues[0];
  return {
    ok: false,
    reason: 'invalid',
    detail:
      `not an adaptation state: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim(),
  };
}

export interface AdaptationStateFileOptions {
  /** The state folder (config state.dir). */
  dir: string;
  logger: Logger;
  /** Told of each damaged file set aside (metric, event); the file logs it itself. */
  onDamage?: (report: DamageReport) => void;
  now?: () => Date;
}

/**
 * The engine's state in `<dir>/adaptation.json`, checksummed, beside the state before the
 * latest change in `<dir>/adaptation.previous.json`. A change first rewrites the previous copy
 * (with what adaptation.json held, as it was verified or written), then adaptation.json; both
 * atomically (temporary file, fsync, rename, fsync of the folder), so a crash leaves each file
 * whole. On load a damaged file (cut off, not JSON, not the schema, failing its checksum) is
 * moved to `<dir>/quarantine/` and reported, and the previous copy is used, or the source
 * model's state when there is no good copy.
 */
export class AdaptationStateFile {
  readonly path: string;
  readonly previousPath: string;
  private readonly now: () => Date;
  /** The newest good state's text, as this process verified or wrote it. */
  private good: string | undefined;
  /** What adaptation.json holds, when that is the good text. */
  private inPlace: string | undefined;

  constructor(private readonly options: AdaptationStateFileOptions) {
    this.path = join(options.dir, ADAPTATION_FILE);
    this.previousPath = join(options.dir, PREVIOUS_ADAPTATION_FILE);
    this.now = options.now ?? (() => new Date());
  }

  /**
   * The newest good state: from adaptation.json, else from the previous copy, else the
   * initial state (first start, or no good copy: the source model serves). `from` says which.
   */
  async load(): Promise<{ state: AdaptationState; from: 'current' | 'previous' | 'initial' }> {
    await this.removeTemporaries();
    const current = await this.read(this.path, ADAPTATION_FILE);
    if (current !== undefined) {
      this.good = this.inPlace = current.text;
      return { state: current.state, from: 'current' };
    }
    this.inPlace = undefined;
    const previous = await this.read(this.previousPath, PREVIOUS_ADAPTATION_FILE);
    if (previous !== undefined) {
      this.good = previous.text;
      this.options.logger.warn(
        { path: this.previousPath },
        'adaptation state taken from the copy before the latest change',
      );
      return { state: previous.state, from: 'previous' };
    }
    this.good = undefined;
    return { state: INITIAL_STATE, from: 'initial' };
  }

  /** Saves `state`: the previous copy first, then adaptation.json. */
  async write(state: AdaptationState): Promise<void> {
    const text = adaptationDocument(state);
    if (text === this.inPlace) return;
    if (this.good !== undefined) await writeFileAtomic(this.previousPath, this.good);
    await writeFileAtomic(this.path, text);
    this.good = this.inPlace = text;
  }

  /** A good state from `path`; undefined when there is none (a damaged one is set aside). */
  private async read(
    path: string,
    file: string,
  ): Promise<{ state: AdaptationState; text: string } | undefined> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const parsed = parseAdaptationDocument(text);
    if (parsed.ok) return { state: parsed.state, text };
    const stem = file.replace(/\.json$/, '');
    const quarantinedTo = await setAside(
      this.options.dir,
      path,
      `${stem}-${parsed.reason}-${quarantineStamp(this.now())}.json`,
    );
    const report: DamageReport = {
      generation: file,
      reason: parsed.reason,
      detail: parsed.detail,
      quarantinedTo,
    };
    // A person should look: the disk or something beside adaptd damaged the state.
    this.options.logger.error(report, 'damaged adaptation state set aside');
    this.options.onDamage?.(report);
    return undefined;
  }

  /** Temporary files of a write a crash interrupted (writeFileAtomic's `.<name>.<hex>.tmp`). */
  private async removeTemporaries(): Promise<void> {
    const entries = await readdir(this.options.dir).catch(() => [] as string[]);
    for (const entry of entries) {
      if (/^\.adaptation(\.previous)?\.json\.[0-9a-f]+\.tmp$/.test(entry)) {
        await rm(join(this.options.dir, entry), { force: true });
      }
    }
  }
}
