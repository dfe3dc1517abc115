import { commandInfo, commandKey, isCommandWord, type ModalGroup } from './gcodeCommands.js';
import type { ParsedLine } from './gcodeParser.js';

/** A parsed line sorted into what ModalState acts on, with the line's contradictions listed. */
export interface LineCommands {
  /** At most one command per modal group (the first one, when `errors` reports a conflict). */
  byGroup: Map<ModalGroup, string>;
  /** Every command of the non-modal group, which may appear several times on one line. */
  nonModal: string[];
  /** Value of each parameter letter (X, F, R, ...); a repeated letter keeps its first value. */
  parameters: Map<string, number>;
  errors: string[];
}

const AXES = ['X', 'Y', 'Z'] as const;
/** M7 (mist) and M8 (flood) may be switched on together although they share a group. */
const COMPATIBLE = new Set(['M7+M8', 'M8+M7']);
/** NIST allows up to four M words on a line, each from a different group. */
const MAX_M_WORDS = 4;

/**
 * Groups the words of one line and reports what makes the line contradict itself: an unknown
 * command, two commands from one modal group (`G0 G1`), a repeated parameter (`X1 X2`), and
 * a group-0 command that takes the axis words while a motion command also uses them.
 */
export function readLineCommands(line: ParsedLine): LineCommands {
  const byGroup = new Map<ModalGroup, string>();
  const nonModal: string[] = [];
  const parameters = new Map<string, number>();
  const errors: string[] = [];
  let mWords = 0;

  for (const word of line.words) {
    if (!isCommandWord(word)) {
      if (parameters.has(word.letter)) {
        errors.push(`parameter ${word.letter} appears twice ("${word.raw}"); one per line`);
      } else {
        parameters.set(word.letter, word.value);
      }
      continue;
    }
    const key = commandKey(word);
    const info = commandInfo(key);
    if (info === undefined) {
      errors.push(`unsupported command "${word.raw}"; see GCODE_COMMANDS for those known`);
      continue;
    }
    if (word.letter === 'M') mWords += 1;
    if (info.group === 'nonModal') {
      nonModal.push(key);
      continue;
    }
    const previous = byGroup.get(info.group);
    if (previous === undefined) {
      byGroup.set(info.group, key);
    } else if (!COMPATIBLE.has(`${previous}+${key}`)) {
      errors.push(
        `${previous} and ${key} are both in the ${info.group} modal group; a line may hold one`,
      );
    }
  }

  if (mWords > MAX_M_WORDS) errors.push(`${mWords} M words on one line; at most ${MAX_M_WORDS}`);
  const axisTaker = nonModal.find((key) => commandInfo(key)?.consumesAxes === true);
  const motionCommand = byGroup.get('motion');
  if (
    axisTaker !== undefined &&
    motionCommand !== undefined &&
    AXES.some((axis) => parameters.has(axis))
  ) {
    errors.push(`${axisTaker} and ${motionCommand} both use the axis words on one line`);
  }
  return { byGroup, nonModal, parameters, errors };
}
