import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { BOARD_CHANNELS } from '../../src/data/channelNames.js';

/** Column layout of the recorded runs up to the sensor boards. */
const CONTROLLER = [
  't_console',
  'stat',
  'line',
  'posx',
  'posy',
  'posz',
  'mpox',
  'mpoy',
  'mpoz',
  'vel',
  'feed',
  'unit',
  'dist',
  'plane',
  'coor',
  'momo',
  'raw_json',
];
const CURRENTS = ['spindle', 'x_motor', 'y_motor', 'z_motor'];

export interface FixtureRun {
  rows: number;
  boards?: string[];
  /** Boards whose columns are written as one constant value. */
  deadBoards?: string[];
  /** Time of row r; default 14:25:23.700 plus 0.26 s per row. */
  time?: (r: number) => string;
  /** `momo` of row r; default G1 except G0 for every 10th row. */
  momo?: (r: number) => number | '';
  feed?: (r: number) => number | '';
  /**
   * Rows that keep only controller time, state and positions, as 2,773 rows of
   * face150025_001 do: sensors, currents, momo, coor, raw_json and G-code are empty.
   */
  emptyRows?: (r: number) => boolean;
  /** Extra per-cell override: return undefined to keep the default. */
  cell?: (column: string, r: number) => string | undefined;
  /** Leave these columns out of the header. */
  drop?: string[];
}

/** A deterministic sensor value that differs per board, channel and row. */
export function sensorValue(board: number, channel: number, r: number): number {
  return Math.round((board * 10 + channel + Math.sin(r * 0.7 + channel) * 3) * 1000) / 1000;
}

export function hms(seconds: number): string {
  const wrapped = ((seconds % 86_400) + 86_400) % 86_400;
  const h = Math.floor(wrapped / 3600);
  const m = Math.floor((wrapped % 3600) / 60);
  const s = wrapped % 60;
  const pad = (n: number, w: number) => n.toFixed(0).padStart(w, '0');
  return `${pad(h, 2)}:${pad(m, 2)}:${s.toFixed(3).padStart(6, '0')}`;
}

function quote(cell: string): string {
  return /[",\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

export function fixtureColumns(spec: FixtureRun): string[] {
  const boards = spec.boards ?? ['frame_r2', 'y_bed__3'];
  const columns = [
    ...CONTROLLER,
    ...CURRENTS,
    ...CURRENTS.map((name) => `${name}_A`),
    ...boards.flatMap((board) => BOARD_CHANNELS.map(([suffix]) => `${board}.${suffix}`)),
    'gcode_line',
    'gcode_string',
  ];
  return columns.filter((column) => !(spec.drop ?? []).includes(column));
}

/** The CSV text of a run shaped like the recorded ones. */
export function fixtureCsv(spec: FixtureRun): string {
  const columns = fixtureColumns(spec);
  const boards = spec.boards ?? ['frame_r2', 'y_bed__3'];
  const dead = new Set(spec.deadBoards ?? []);
  const lines = [columns.join(',')];
  for (let r = 0; r < spec.rows; r += 1) {
    const empty = spec.emptyRows?.(r) ?? false;
    const momo = spec.momo?.(r) ?? (r % 10 === 0 ? 0 : 1);
    const feed = spec.feed?.(r) ?? 558.8;
    const cells = columns.map((column) => {
      const override = spec.cell?.(column, r);
      if (override !== undefined) return override;
      const dot = column.indexOf('.');
      if (dot > 0) {
        if (empty) return '';
        const board = column.slice(0, dot);
        const channel = BOARD_CHANNELS.findIndex(([suffix]) => suffix === column.slice(dot + 1));
        return dead.has(board) ? '0.0' : String(sensorValue(boards.indexOf(board), channel, r));
      }
      const current = CURRENTS.indexOf(column.replace(/_A$/, ''));
      if (current >= 0) return empty ? '' : String(sensorValue(-1, current, r));
      switch (column) {
        case 't_console':
          return spec.time?.(r) ?? hms(14 * 3600 + 25 * 60 + 23.7 + r * 0.26);
        case 'stat':
          return '5';
        case 'line':
          return String(20 + Math.floor(r / 4));
        case 'gcode_line':
          return empty ? '' : String(20 + Math.floor(r / 4));
        case 'feed':
          return String(feed);
        case 'momo':
          return empty ? '' : String(momo);
        case 'unit':
        case 'dist':
          return '0';
        case 'coor':
          return empty ? '' : '2';
        case 'vel':
        case 'plane':
          return '';
        case 'raw_json':
          return empty ? '' : JSON.stringify({ sr: { momo, feed, stat: 5, posx: r * 0.01 } });
        case 'gcode_string':
          return empty ? '' : `G${momo} X${(r * 0.01).toFixed(2)} Y1.5`;
        default:
          return String(r * 0.01);
      }
    });
    lines.push(cells.map(quote).join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** Writes a run file into `folder` (gzip by default) and returns its path. */
export async function writeRun(
  folder: string,
  stem: string,
  content: string,
  gzip = true,
): Promise<string> {
  const file = join(folder, `${stem}_aligned.csv${gzip ? '.gz' : ''}`);
  await writeFile(file, gzip ? gzipSync(content) : content);
  return file;
}

/** A fresh temporary folder; the returned function removes it. */
export async function tempFolder(): Promise<{ folder: string; cleanup: () => Promise<void> }> {
  const folder = await mkdtemp(join(tmpdir(), 'adaptd-data-'));
  return { folder, cleanup: () => rm(folder, { recursive: true, force: true }) };
}
