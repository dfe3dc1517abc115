import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { parse } from 'csv-parse';
import { AdaptdError, isAdaptdError } from '../errors.js';
import { parseConsoleTime, RunClock } from './consoleTime.js';
import type { RunInfo } from './runCatalog.js';
import {
  CONTROLLER_STATE_KEYS,
  NON_VALUE_COLUMNS,
  type ControllerStateKey,
  type RunFrame,
} from './runFrame.js';

/** Inclusive ranges of the integer columns; `momo` 4 is g2core's G80 (motion cancelled). */
const INTEGER_RANGES = {
  momo: [0, 4],
  gcode_line: [0, 2 ** 31 - 1],
  stat: [0, 32_767],
  unit: [0, 32_767],
  dist: [0, 32_767],
  plane: [0, 32_767],
  coor: [0, 32_767],
} as const;
type IntegerColumn = keyof typeof INTEGER_RANGES;

function invalid(info: RunInfo, message: string, context: Record<string, unknown> = {}) {
  return new AdaptdError('DATA_INVALID', `${basename(info.file)}: ${message}`, {
    context: { file: info.file, ...context },
  });
}

/** Row-by-row accumulation of one file; `finish` hands out the typed arrays. */
class FrameBuilder {
  private readonly index: Map<string, number>;
  private readonly valueColumns: string[];
  private readonly valueIndex: number[];
  private readonly values: number[][];
  private readonly integers = new Map<IntegerColumn, number[]>();
  private readonly time: number[] = [];
  private readonly feed: number[] = [];
  private readonly gcodeText: string[] = [];
  private readonly clock = new RunClock();

  constructor(
    private readonly info: RunInfo,
    header: string[],
  ) {
    this.index = new Map(header.map((name, i) => [name, i]));
    if (this.index.size !== header.length) {
      const repeated = header.filter((name, i) => header.indexOf(name) !== i);
      throw invalid(info, `header repeats column ${repeated.join(', ')}; names must be unique`);
    }
    if (!this.index.has('t_console')) {
      throw invalid(info, 'header has no t_console column; every row needs its time');
    }
    this.valueColumns = header.filter((name) => !NON_VALUE_COLUMNS.has(name));
    this.valueIndex = this.valueColumns.map((name) => this.index.get(name) ?? -1);
    this.values = this.valueColumns.map(() => []);
    for (const key of Object.keys(INTEGER_RANGES) as IntegerColumn[]) this.integers.set(key, []);
  }

  add(record: string[], row: number): void {
    const timeCell = record[this.index.get('t_console') ?? 0] ?? '';
    const parsed = parseConsoleTime(timeCell);
    const step = parsed === undefined ? undefined : this.clock.step(parsed);
    if (step === undefined || !step.ok) {
      const why =
        step === undefined
          ? 'is not HH:MM:SS.fff or MM:SS.f'
          : step.reason === 'backwards'
            ? 'goes back in time without wrapping past midnight or the hour'
            : 'changes the time format within the run';
      throw invalid(this.info, `row ${row}: t_console '${timeCell}' ${why}`, { row, timeCell });
    }
    this.time.push(step.elapsed);
    for (let c = 0; c < this.valueColumns.length; c += 1) {
      this.values[c]?.push(this.number(record, this.valueIndex[c] ?? -1, row));
    }
    this.feed.push(this.number(record, this.index.get('feed') ?? -1, row));
    for (const [name, column] of this.integers) column.push(this.integer(record, name, row));
    const textAt = this.index.get('gcode_string');
    this.gcodeText.push(textAt === undefined ? '' : (record[textAt] ?? ''));
  }

  private number(record: string[], at: number, row: number): number {
    const cell = at < 0 ? '' : (record[at] ?? '');
    if (cell === '') return Number.NaN;
    const value = Number(cell);
    if (Number.isNaN(value)) {
      const column = [...this.index.keys()][at];
      throw invalid(this.info, `row ${row}: column ${column} holds '${cell}', not a number`, {
        row,
        column,
        value: cell,
      });
    }
    return value;
  }

  private integer(record: string[], name: IntegerColumn, row: number): number {
    const at = this.index.get(name);
    const cell = at === undefined ? '' : (record[at] ?? '');
    if (cell === '') return -1;
    const value = Number(cell);
    const [low, high] = INTEGER_RANGES[name];
    if (!Number.isInteger(value) || value < low || value > high) {
      throw invalid(
        this.info,
        `row ${row}: column ${name} holds '${cell}'; allowed are integers ${low}..${high}`,
        { row, column: name, value: cell },
      );
    }
    return value;
  }

  finish(): RunFrame {
    const rows = this.time.length;
    if (rows === 0) throw invalid(this.info, 'has a header but no rows');
    const integer = (name: IntegerColumn) => this.integers.get(name) ?? [];
    const state = Object.fromEntries(
      CONTROLLER_STATE_KEYS.map((key) => [key, Int16Array.from(integer(key))]),
    ) as Record<ControllerStateKey, Int16Array>;
    return {
      info: this.info,
      rows,
      time: Float64Array.from(this.time),
      columns: [...this.valueColumns],
      values: new Map(this.valueColumns.map((name, c) => [name, toFloat32(this.values[c])])),
      gcodeLine: Int32Array.from(integer('gcode_line')),
      gcodeText: this.gcodeText,
      motion: Int8Array.from(integer('momo')),
      feed: Float32Array.from(this.feed),
      state,
    };
  }
}

function toFloat32(values: number[] | undefined): Float32Array {
  return Float32Array.from(values ?? []);
}

/**
 * Streams one run's CSV (gzip-compressed or not) through a CSV parser into typed
 * columns. `raw_json` is parsed as a field (it holds quoted commas) and then dropped.
 */
export async function readRun(run: RunInfo): Promise<RunFrame> {
  let builder: FrameBuilder | undefined;
  // The pipeline reports a failure of its last stage as an abort; keep our own error.
  let refusal: AdaptdError | undefined;
  const source = createReadStream(run.file);
  const parser = parse({ skip_empty_lines: true });
  const consume = async (records: AsyncIterable<string[]>) => {
    let row = 0;
    try {
      for await (const record of records) {
        if (builder === undefined) builder = new FrameBuilder(run, record);
        else builder.add(record, (row += 1));
      }
    } catch (error) {
      if (isAdaptdError(error)) refusal = error;
      throw error;
    }
  };
  try {
    if (run.file.endsWith('.gz')) await pipeline(source, createGunzip(), parser, consume);
    else await pipeline(source, parser, consume);
  } catch (error) {
    if (refusal !== undefined) throw refusal;
    if (isAdaptdError(error)) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new AdaptdError('DATA_NOT_FOUND', `run file ${run.file} does not exist`, {
        cause: error,
        context: { file: run.file },
      });
    }
    const message = error instanceof Error ? error.message : String(error);
    throw new AdaptdError('DATA_INVALID', `${basename(run.file)} cannot be parsed: ${message}`, {
      cause: error,
      context: { file: run.file, code },
    });
  }
  if (builder === undefined) throw invalid(run, 'is empty; a header row is required');
  return builder.finish();
}
