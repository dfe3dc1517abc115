/**
 * What each column of a recorded run measures. Sensor boards log 17 channels each,
 * named `<board>.<channel>`; the motor currents and controller positions have bare names.
 */
export type Modality =
  'current' | 'accel' | 'gyro' | 'magnet' | 'vibration' | 'environment' | 'position';

/** The fixed order of modalities in every schema. */
export const MODALITIES: readonly Modality[] = [
  'current',
  'accel',
  'gyro',
  'magnet',
  'vibration',
  'environment',
  'position',
];

export interface ChannelSpec {
  name: string;
  modality: Modality;
  /** The sensor board for `<board>.<channel>` columns; absent for currents and positions. */
  board?: string;
}

/** Board channel suffixes in their fixed order, with the modality of each. */
export const BOARD_CHANNELS: ReadonlyArray<readonly [string, Modality]> = [
  ['Ax', 'accel'],
  ['Ay', 'accel'],
  ['Az', 'accel'],
  ['Gx', 'gyro'],
  ['Gy', 'gyro'],
  ['Gz', 'gyro'],
  ['Mx', 'magnet'],
  ['My', 'magnet'],
  ['Mz', 'magnet'],
  ['RMS', 'vibration'],
  ['Pressure', 'environment'],
  ['Temperature', 'environment'],
  ['Proximity', 'environment'],
  ['ColorR', 'environment'],
  ['ColorG', 'environment'],
  ['ColorB', 'environment'],
  ['ColorA', 'environment'],
];
const BOARD_CHANNEL_MODALITY = new Map(BOARD_CHANNELS);

/**
 * The spindle and axis motor currents. Their `*_A` twins are left out: in every one of
 * the 107 shared runs that has them they equal the plain column cell for cell
 * (pocket150025_012 lacks them), so they would only double the weight of the currents.
 */
export const CURRENT_CHANNELS: readonly string[] = ['spindle', 'x_motor', 'y_motor', 'z_motor'];

/**
 * Controller positions, velocity and feed. They restate the commanded path (machine
 * position is 25.4 x work position plus an offset), so a model that sees them learns the
 * program, not the machine; schemas leave them out unless asked.
 */
export const POSITION_CHANNELS: readonly string[] = [
  'posx',
  'posy',
  'posz',
  'mpox',
  'mpoy',
  'mpoz',
  'vel',
  'feed',
];

/** The board of a `<board>.<channel>` column name, else undefined. */
export function boardOf(column: string): string | undefined {
  const dot = column.indexOf('.');
  return dot > 0 ? column.slice(0, dot) : undefined;
}

/** Classifies a column; undefined for columns that are no sensor channel (e.g. `line`). */
export function classifyColumn(column: string): ChannelSpec | undefined {
  if (CURRENT_CHANNELS.includes(column)) return { name: column, modality: 'current' };
  if (POSITION_CHANNELS.includes(column)) return { name: column, modality: 'position' };
  const board = boardOf(column);
  if (board === undefined) return undefined;
  const modality = BOARD_CHANNEL_MODALITY.get(column.slice(board.length + 1));
  return modality === undefined ? undefined : { name: column, modality, board };
}

/** Sort key placing channels by modality, then board, then the fixed channel order. */
export function channelOrder(a: ChannelSpec, b: ChannelSpec): number {
  const byModality = MODALITIES.indexOf(a.modality) - MODALITIES.indexOf(b.modality);
  if (byModality !== 0) return byModality;
  const boardA = a.board ?? '';
  const boardB = b.board ?? '';
  if (boardA !== boardB) return boardA < boardB ? -1 : 1;
  return suffixRank(a) - suffixRank(b);
}

function suffixRank(spec: ChannelSpec): number {
  if (spec.board === undefined) {
    const bare = [...CURRENT_CHANNELS, ...POSITION_CHANNELS];
    return bare.indexOf(spec.name);
  }
  const suffix = spec.name.slice(spec.board.length + 1);
  return BOARD_CHANNELS.findIndex(([name]) => name === suffix);
}
