import canonicalize from 'canonicalize';
import { renameSync, writeFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { Logger } from '../log.js';
import type { ProcessedOffsets } from '../transports/kafka/kafkaInput.js';
import type { RecordPosition } from '../transports/kafka/kafkaClient.js';
import { sha256 } from '../util/atomicFs.js';
import { quarantineStamp, setAside } from './quarantine.js';
import type { DamageReport } from './stateStore.js';

const OFFSET = /^(0|[1-9][0-9]*)$/;

const offsetsSchema = z.strictObject({
  format: z.literal('adaptd-offsets/1'),
  /** Last processed offset by `topic/partition`, as decimal strings. */
  offsets: z.record(z.string(), z.string().regex(OFFSET)),
  checksum: z.string().regex(/^[0-9a-f]{64}$/),
});

export const OFFSETS_FILE = 'offsets.json';

/** The document for `offsets`, sealed with a checksum of its RFC 8785 form. */
export function offsetsDocument(offsets: ReadonlyMap<string, bigint>): string {
  const entries: Record<string, string> = {};
  for (const [key, offset] of [...offsets].sort(([a], [b]) => (a < b ? -1 : 1))) {
    entries[key] = offset.toString();
  }
  const body = { format: 'adaptd-offsets/1', offsets: entries };
  return `${JSON.stringify({ ...body, checksum: sha256(canonicalize(body) ?? '') })}\n`;
}

/** The offsets a document holds, or why it cannot be trusted. */
export function parseOffsets(
  text: string,
): { ok: true; offsets: Map<string, bigint> } | { ok: false; detail: string } {
  let parsed: z.infer<typeof offsetsSchema>;
  try {
    const result = offsetsSchema.safeParse(JSON.parse(text));
    if (!result.success) return { ok: false, detail: result.error.issues[0]?.message ?? 'invalid' };
    parsed = result.data;
  } catch (error) {
    return { ok: false, detail: `not JSON: ${(error as Error).message}` };
  }
  const body = { format: parsed.format, offsets: parsed.offsets };
  if (sha256(canonicalize(body) ?? '') !== parsed.checksum) {
    return { ok: false, detail: 'does not match its checksum' };
  }
  return {
    ok: true,
    offsets: new Map(Object.entries(parsed.offsets).map(([k, v]) => [k, BigInt(v)])),
  };
}

export interface OffsetStoreOptions {
  dir: string;
  logger: Logger;
  onDamage?: (report: DamageReport) => void;
}

/**
 * The last Kafka offset processed per partition, in `<dir>/offsets.json`, replaced atomically
 * (temporary file, rename) as records are settled, before each commit to the broker. After
 * a crash the broker's committed offsets may lag (the commit after a publish never went out);
 * records at or below these offsets are then skipped, so no prediction is published twice.
 */
export class OffsetStore implements ProcessedOffsets {
  private readonly path: string;
  private readonly log: Logger;
  private offsets = new Map<string, bigint>();

  constructor(private readonly options: OffsetStoreOptions) {
    this.path = join(options.dir, OFFSETS_FILE);
    this.log = options.logger.child({ component: 'offsets' });
  }

  /**
   * Reads the saved offsets. A damaged file is set aside and reported, and `fallback` (the copy
   * in the newest good state generation) is used instead, or nothing.
   */
  async load(fallback?: ReadonlyMap<string, bigint>): Promise<ReadonlyMap<string, bigint>> {
    await mkdir(this.options.dir, { recursive: true });
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch {
      this.offsets = new Map(fallback ?? []);
      return this.offsets;
    }
    const parsed = parseOffsets(text);
    if (parsed.ok) {
      this.offsets = parsed.offsets;
      this.log.info({ partitions: this.offsets.size }, 'kafka offsets restored');
      return this.offsets;
    }
    const quarantinedTo = await setAside(
      this.options.dir,
      this.path,
      `offsets-${quarantineStamp(new Date())}.json`,
    );
    const report: DamageReport = {
      generation: OFFSETS_FILE,
      reason: 'checksum',
      detail: parsed.detail,
      quarantinedTo,
    };
    this.log.error(report, 'damaged kafka offsets set aside');
    this.options.onDamage?.(report);
    this.offsets = new Map(fallback ?? []);
    return this.offsets;
  }

  /** The current offsets, for a state generation. */
  snapshot(): ReadonlyMap<string, bigint> {
    return new Map(this.offsets);
  }

  processed(topic: string, partition: number): bigint | undefined {
    return this.offsets.get(`${topic}/${partition}`);
  }

  /**
   * Records positions as processed. The file is replaced by a synchronous write and rename,
   * without fsync: what a killed process wrote survives in the page cache, and doing it inside
   * the settle leaves the shortest time between a prediction's publication and the save (the
   * time in which a kill repeats the prediction after a restart). A power cut can lose the last
   * saves, which repeats predictions but never loses one; each state generation holds an
   * fsynced copy.
   */
  save(positions: readonly RecordPosition[]): Promise<void> {
    let changed = false;
    for (const { topic, partition, offset } of positions) {
      const key = `${topic}/${partition}`;
      const value = BigInt(offset);
      if ((this.offsets.get(key) ?? -1n) < value) {
        this.offsets.set(key, value);
        changed = true;
      }
    }
    if (changed) {
      const temporary = `${this.path}.tmp`;
      writeFileSync(temporary, offsetsDocument(this.offsets));
      renameSync(temporary, this.path);
    }
    return Promise.resolve();
  }
}
