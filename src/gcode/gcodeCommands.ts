import type { GcodeWord } from './gcodeParser.js';

/**
 * The modal groups of RS274/NGC (NIST IR 6556, table 4) as g2core implements them. Two
 * commands of one group on one line contradict each other, which is why the group is kept.
 */
export type ModalGroup =
  | 'nonModal'
  | 'motion'
  | 'plane'
  | 'distance'
  | 'arcDistance'
  | 'feedRateMode'
  | 'units'
  | 'cutterCompensation'
  | 'toolLengthOffset'
  | 'cannedCycleReturn'
  | 'coordinateSystem'
  | 'pathControl'
  | 'stopping'
  | 'toolChange'
  | 'spindle'
  | 'coolant'
  | 'overrides';

export interface CommandInfo {
  readonly group: ModalGroup;
  /** Whether the command takes the line's axis words as its own data rather than as a move. */
  readonly consumesAxes?: boolean;
}

const motion: CommandInfo = { group: 'motion' };

/** Every G and M command adaptd knows, keyed by its canonical text (`G1`, never `G01`). */
export const GCODE_COMMANDS: Readonly<Record<string, CommandInfo>> = {
  G0: motion,
  G1: motion,
  G2: motion,
  G3: motion,
  G4: { group: 'nonModal' },
  G10: { group: 'nonModal', consumesAxes: true },
  G17: { group: 'plane' },
  G18: { group: 'plane' },
  G19: { group: 'plane' },
  G20: { group: 'units' },
  G21: { group: 'units' },
  G28: { group: 'nonModal', consumesAxes: true },
  'G28.1': { group: 'nonModal' },
  G30: { group: 'nonModal', consumesAxes: true },
  'G30.1': { group: 'nonModal' },
  'G38.2': motion,
  'G38.3': motion,
  G40: { group: 'cutterCompensation' },
  G43: { group: 'toolLengthOffset' },
  G49: { group: 'toolLengthOffset' },
  G53: { group: 'nonModal' },
  G54: { group: 'coordinateSystem' },
  G55: { group: 'coordinateSystem' },
  G56: { group: 'coordinateSystem' },
  G57: { group: 'coordinateSystem' },
  G58: { group: 'coordinateSystem' },
  G59: { group: 'coordinateSystem' },
  G61: { group: 'pathControl' },
  'G61.1': { group: 'pathControl' },
  G64: { group: 'pathControl' },
  G73: motion,
  G80: motion,
  G81: motion,
  G82: motion,
  G83: motion,
  G90: { group: 'distance' },
  G91: { group: 'distance' },
  'G90.1': { group: 'arcDistance' },
  'G91.1': { group: 'arcDistance' },
  G92: { group: 'nonModal', consumesAxes: true },
  'G92.1': { group: 'nonModal' },
  'G92.2': { group: 'nonModal' },
  'G92.3': { group: 'nonModal' },
  G93: { group: 'feedRateMode' },
  G94: { group: 'feedRateMode' },
  G98: { group: 'cannedCycleReturn' },
  G99: { group: 'cannedCycleReturn' },
  M0: { group: 'stopping' },
  M1: { group: 'stopping' },
  M2: { group: 'stopping' },
  M30: { group: 'stopping' },
  M60: { group: 'stopping' },
  M3: { group: 'spindle' },
  M4: { group: 'spindle' },
  M5: { group: 'spindle' },
  M6: { group: 'toolChange' },
  M7: { group: 'coolant' },
  M8: { group: 'coolant' },
  M9: { group: 'coolant' },
  M48: { group: 'overrides' },
  M49: { group: 'overrides' },
};

/** Whether a word is a command (G or M) rather than a parameter. */
export function isCommandWord(word: Pick<GcodeWord, 'letter'>): boolean {
  return word.letter === 'G' || word.letter === 'M';
}

/** The canonical text of a command word: `G01` and `G1.0` both become `G1`, `G38.20` `G38.2`. */
export function commandKey(word: Pick<GcodeWord, 'letter' | 'value'>): string {
  return `${word.letter}${String(word.value)}`;
}

export function commandInfo(key: string): CommandInfo | undefined {
  return Object.hasOwn(GCODE_COMMANDS, key) ? GCODE_COMMANDS[key] : undefined;
}
