import { z } from 'zod';
import { AdaptdError } from '../errors.js';
import { inspectRun } from './boardActivity.js';
import {
  channelOrder,
  classifyColumn,
  MODALITIES,
  type ChannelSpec,
  type Modality,
} from './channelNames.js';
import type { RunFrame } from './runFrame.js';

export type { ChannelSpec, Modality };

/** The model's input channels in a fixed order; plain JSON so it can ship with a model. */
export interface ChannelSchema {
  channels: ChannelSpec[];
  /** The modalities that have at least one channel, in `MODALITIES` order. */
  modalities: Modality[];
}

export interface SchemaOptions {
  /** Modalities to keep; all but `position` by default. */
  modalities?: Modality[];
  /** Boards to keep; all by default. Motor currents and positions belong to no board. */
  boards?: string[];
  /** Keep controller positions, velocity and feed. They leak the commanded path. */
  includePosition?: boolean;
}

/** How one run's columns meet a schema. */
export interface RunBinding {
  /** [C] 1 where the channel is in the run and logged, 0 where it is masked. */
  present: Uint8Array;
  /** Schema channels without a column in this run. */
  missing: string[];
  /** Schema channels whose column exists but is dead (board not logging, no values). */
  dead: string[];
  /** Boards of the schema that are dead in this run. */
  deadBoards: string[];
}

function configError(message: string, context: Record<string, unknown>): AdaptdError {
  return new AdaptdError('CONFIG_INVALID', message, { context });
}

function allowedModalities(options: SchemaOptions): Set<Modality> {
  const requested =
    options.modalities ??
    MODALITIES.filter((modality) => modality !== 'position' || options.includePosition === true);
  for (const modality of requested) {
    if (!MODALITIES.includes(modality)) {
      throw configError(
        `unknown modality '${String(modality)}'; allowed: ${MODALITIES.join(', ')}`,
        {
          modality,
        },
      );
    }
  }
  if (requested.includes('position') && options.includePosition !== true) {
    throw configError('modality position needs includePosition: true (it leaks the toolpath)', {
      modalities: requested,
    });
  }
  const allowed = new Set(requested);
  if (options.includePosition !== true) allowed.delete('position');
  return allowed;
}

/**
 * The union of the channels found in `sources`, filtered by `options`, in the order
 * modality, board, channel. Given frames, a channel dead in every one of them is left
 * out: it would only ever be masked.
 */
export function buildSchema(
  sources: ReadonlyArray<RunFrame> | ReadonlyArray<readonly string[]>,
  options: SchemaOptions = {},
): ChannelSchema {
  const allowed = allowedModalities(options);
  const boards = options.boards === undefined ? undefined : new Set(options.boards);
  const live = new Set<string>();
  for (const source of sources) {
    if (isColumnList(source)) {
      for (const column of source) live.add(column);
      continue;
    }
    const { deadColumns } = inspectRun(source);
    for (const column of source.columns) if (!deadColumns.has(column)) live.add(column);
  }
  const channels: ChannelSpec[] = [];
  for (const column of live) {
    const spec = classifyColumn(column);
    if (spec === undefined || !allowed.has(spec.modality)) continue;
    if (boards !== undefined && spec.board !== undefined && !boards.has(spec.board)) continue;
    channels.push(spec);
  }
  if (channels.length === 0) {
    throw new AdaptdError(
      'DATA_INVALID',
      'no channel of the given runs matches the schema options',
      {
        context: { runs: sources.length, options },
      },
    );
  }
  channels.sort(channelOrder);
  const present = new Set(channels.map((spec) => spec.modality));
  return { channels, modalities: MODALITIES.filter((modality) => present.has(modality)) };
}

function isColumnList(source: RunFrame | readonly string[]): source is readonly string[] {
  return Array.isArray(source);
}

/** Lines a run up with a schema: which channels it really has. */
export function bindRun(schema: ChannelSchema, frame: RunFrame): RunBinding {
  const { deadColumns, deadBoards } = inspectRun(frame);
  const present = new Uint8Array(schema.channels.length);
  const missing: string[] = [];
  const dead: string[] = [];
  const schemaBoards = new Set<string>();
  schema.channels.forEach((spec, c) => {
    if (spec.board !== undefined) schemaBoards.add(spec.board);
    if (!frame.values.has(spec.name)) missing.push(spec.name);
    else if (deadColumns.has(spec.name)) dead.push(spec.name);
    else present[c] = 1;
  });
  return {
    present,
    missing,
    dead,
    deadBoards: deadBoards.filter((board) => schemaBoards.has(board)),
  };
}

const schemaShape = z.object({
  channels: z
    .array(
      z.object({
        name: z.string().min(1),
        modality: z.enum(MODALITIES as [Modality, ...Modality[]]),
        board: z.string().min(1).optional(),
      }),
    )
    .min(1),
  modalities: z.array(z.enum(MODALITIES as [Modality, ...Modality[]])),
});

/** Validates a schema read from JSON (e.g. from a model artifact). */
export function parseChannelSchema(json: unknown): ChannelSchema {
  const parsed = schemaShape.safeParse(json);
  if (!parsed.success) {
    throw new AdaptdError('DATA_INVALID', `channel schema is malformed: ${parsed.error.message}`, {
      cause: parsed.error,
    });
  }
  const names = parsed.data.channels.map((spec) => spec.name);
  const repeated = names.filter((name, i) => names.indexOf(name) !== i);
  if (repeated.length > 0) {
    throw new AdaptdError('DATA_INVALID', `channel schema repeats ${repeated.join(', ')}`, {
      context: { repeated },
    });
  }
  const used = new Set(parsed.data.channels.map((spec) => spec.modality));
  const expected = MODALITIES.filter((modality) => used.has(modality));
  if (expected.join() !== parsed.data.modalities.join()) {
    throw new AdaptdError(
      'DATA_INVALID',
      `channel schema lists modalities [${parsed.data.modalities.join(', ')}] but its channels ` +
        `use [${expected.join(', ')}]`,
      { context: { modalities: parsed.data.modalities } },
    );
  }
  const channels = parsed.data.channels.map((spec) =>
    spec.board === undefined ? { name: spec.name, modality: spec.modality } : { ...spec },
  );
  return { channels, modalities: expected };
}
