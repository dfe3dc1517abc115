import type { ParsedLine } from './gcodeParser.js';
import { readLineCommands, type LineCommands } from './lineCommands.js';

/** 0..3 for G0 (rapid), G1 (feed), G2 (clockwise arc), G3 (counter-clockwise arc). */
export type MotionMode = 0 | 1 | 2 | 3;
export type Units = 'inch' | 'mm';
export type DistanceMode = 'absolute' | 'incremental';
/** G17, G18, G19. */
export type Plane = 'xy' | 'zx' | 'yz';
export type Spindle = 'cw' | 'ccw' | 'off';

/** Work-coordinate position in the current units; an axis is absent while it is unknown. */
export interface Position {
  x?: number;
  y?: number;
  z?: number;
}

/** The effective state for one line, after the line has been applied. */
export interface LineState {
  /** The G0..G3 motion mode; absent while unknown, cancelled or a probe or canned cycle. */
  motion?: MotionMode;
  /**
   * The active motion-group command (`G1`, `G38.2`, `G81`, ...): `G80` after a cancel and after
   * a program end, since g2core cancels the motion mode there where NIST would select G1.
   */
  motionCommand?: string;
  /** Feed rate in current units per minute. */
  feed?: number;
  units: Units;
  distance: DistanceMode;
  plane: Plane;
  /** `G54`..`G59` once selected. */
  coordinateSystem?: string;
  position: Position;
  spindle?: Spindle;
  spindleSpeed?: number;
  tool?: number;
  /** This line ended the program (M2 or M30). */
  programEnd: boolean;
  /** The line contradicted itself and was not applied: the state is as before it. */
  rejected: boolean;
  /** What was wrong with the line, whether it was rejected or showed a missed line. */
  errors: string[];
}

export interface ModalDefaults {
  units?: Units;
  distance?: DistanceMode;
  plane?: Plane;
}

const MOTION_CODES: Readonly<Record<string, MotionMode>> = { G0: 0, G1: 1, G2: 2, G3: 3 };
const PLANES: Readonly<Record<string, Plane>> = { G17: 'xy', G18: 'zx', G19: 'yz' };
const SPINDLES: Readonly<Record<string, Spindle>> = { M3: 'cw', M4: 'ccw', M5: 'off' };
const ARC_OFFSETS: Readonly<Record<Plane, readonly string[]>> = {
  xy: ['I', 'J'],
  zx: ['I', 'K'],
  yz: ['J', 'K'],
};
const AXES = ['x', 'y', 'z'] as const;
const MM_PER_INCH = 25.4;

type State = Omit<LineState, 'errors' | 'programEnd' | 'rejected' | 'motion'>;

/**
 * Tracks the modal state of a controller through a G-code stream, applying lines in order.
 * Defaults describe the controller at power-on; g2core also restores them at program end.
 * Numbers on a line are read in the units that line selects.
 */
export class ModalState {
  private readonly defaults: Required<ModalDefaults>;
  private state: State;

  constructor(defaults: ModalDefaults = {}) {
    this.defaults = {
      units: defaults.units ?? 'inch',
      distance: defaults.distance ?? 'absolute',
      plane: defaults.plane ?? 'xy',
    };
    this.state = { ...this.defaults, position: {} };
  }

  /**
   * Applies one line and returns the effective state for it. A line that contradicts itself
   * (`G0 G1`, `G2` without R or offsets) is rejected and changes nothing. A line that only
   * contradicts the inherited motion mode (`X1 Y2` under G3, `X1 R2` under G1) shows that a
   * line setting the mode was missed, as in sampled status reports: it is applied, and the
   * motion mode becomes unknown rather than stay wrong.
   */
  apply(line: ParsedLine): LineState {
    const commands = readLineCommands(line);
    const planeKey = commands.byGroup.get('plane');
    const plane = planeKey === undefined ? this.state.plane : PLANES[planeKey];
    const explicit = commands.byGroup.get('motion');
    if (explicit !== undefined) {
      commands.errors.push(...motionWordErrors(commands, MOTION_CODES[explicit], plane));
    }
    if (commands.errors.length > 0) {
      return this.snapshot({ rejected: true, errors: commands.errors });
    }
    const inherited = this.state.motionCommand;
    const stale =
      explicit === undefined && inherited !== undefined
        ? motionWordErrors(commands, MOTION_CODES[inherited], plane)
        : [];

    const next: State = { ...this.state, position: { ...this.state.position } };
    setModalWords(next, commands, plane);
    next.motionCommand = explicit ?? (stale.length > 0 ? undefined : next.motionCommand);
    moveAxes(next, commands.nonModal, commands.parameters);

    const stop = commands.byGroup.get('stopping');
    const programEnd = stop === 'M2' || stop === 'M30';
    if (programEnd) {
      switchUnits(next, this.defaults.units);
      next.distance = this.defaults.distance;
      next.plane = this.defaults.plane;
      next.motionCommand = 'G80';
      next.spindle = 'off';
    }
    this.state = next;
    const errors = stale.map((error) => `${error}; a line setting the motion mode was missed`);
    return this.snapshot({ programEnd, errors });
  }

  /**
   * Tells the state that lines ran unseen, for example because line numbers jumped: any of them
   * may have changed the motion mode, so it becomes unknown until a line sets it again.
   */
  linesMissed(): void {
    this.state = { ...this.state };
    delete this.state.motionCommand;
  }

  /** The state as it stands, as a line without commands would see it. */
  current(): LineState {
    return this.snapshot({});
  }

  private snapshot(
    outcome: Partial<Pick<LineState, 'programEnd' | 'rejected' | 'errors'>>,
  ): LineState {
    const { motionCommand } = this.state;
    const motion = motionCommand === undefined ? undefined : MOTION_CODES[motionCommand];
    const snapshot: LineState = {
      ...this.state,
      position: { ...this.state.position },
      programEnd: outcome.programEnd ?? false,
      rejected: outcome.rejected ?? false,
      errors: outcome.errors ?? [],
    };
    if (motion !== undefined) snapshot.motion = motion;
    return snapshot;
  }
}

/** Everything but motion and position: units, feed, spindle, tool, plane, distance, system. */
function setModalWords(state: State, commands: LineCommands, plane: Plane): void {
  const { byGroup, parameters } = commands;
  const units = byGroup.get('units');
  if (units !== undefined) switchUnits(state, units === 'G20' ? 'inch' : 'mm');
  state.plane = plane;
  const distance = byGroup.get('distance');
  if (distance !== undefined) state.distance = distance === 'G90' ? 'absolute' : 'incremental';
  const feed = parameters.get('F');
  if (feed !== undefined) state.feed = feed;
  const speed = parameters.get('S');
  if (speed !== undefined) state.spindleSpeed = speed;
  const tool = parameters.get('T');
  if (tool !== undefined) state.tool = tool;
  const spindle = byGroup.get('spindle');
  if (spindle !== undefined) state.spindle = SPINDLES[spindle];
  const coordinateSystem = byGroup.get('coordinateSystem');
  if (coordinateSystem !== undefined && coordinateSystem !== state.coordinateSystem) {
    state.coordinateSystem = coordinateSystem;
    // The offsets of the other system are not in the stream, so the work position is lost.
    state.position = {};
  }
}

function switchUnits(state: State, units: Units): void {
  if (units === state.units) return;
  // Dividing rather than multiplying by 1/25.4 brings an inch value back exactly.
  const convert = (value: number) => (units === 'mm' ? value * MM_PER_INCH : value / MM_PER_INCH);
  for (const axis of AXES) {
    const value = state.position[axis];
    if (value !== undefined) state.position[axis] = convert(value);
  }
  if (state.feed !== undefined) state.feed = convert(state.feed);
  state.units = units;
}

/** Moves the position to the line's axis words, or forgets axes it cannot follow. */
function moveAxes(state: State, nonModal: string[], parameters: Map<string, number>): void {
  if (nonModal.includes('G10')) return; // G10 axis words are offsets to store, not a move.
  const machineFrame = nonModal.some((key) => key === 'G53' || key === 'G28' || key === 'G30');
  const setsOrigin = nonModal.includes('G92');
  // Before any motion command is seen the words still name the target; probes and canned
  // cycles end where the machine decides, and G80 with axis words has no defined target.
  const { motionCommand } = state;
  const followable = motionCommand === undefined || MOTION_CODES[motionCommand] !== undefined;
  for (const axis of AXES) {
    const value = parameters.get(axis.toUpperCase());
    if (value === undefined) continue;
    if (setsOrigin) {
      state.position[axis] = value;
    } else if (machineFrame || !followable) {
      delete state.position[axis];
    } else if (state.distance === 'absolute') {
      state.position[axis] = value;
    } else {
      const previous = state.position[axis];
      if (previous === undefined) delete state.position[axis];
      else state.position[axis] = previous + value;
    }
  }
}

/**
 * Checks the line's R, I, J, K and axis words against a motion mode: an arc needs either R or
 * centre offsets in its plane, never both; a straight move takes neither.
 */
function motionWordErrors(
  commands: LineCommands,
  motion: MotionMode | undefined,
  plane: Plane,
): string[] {
  const { parameters } = commands;
  const offsets = ['I', 'J', 'K'].filter((letter) => parameters.has(letter));
  const arcWords = parameters.has('R') ? [...offsets, 'R'] : offsets;
  if (motion === 0 || motion === 1) {
    const takesWords = commands.nonModal.some((key) => key === 'G10' || key === 'G92');
    return arcWords.length === 0 || takesWords
      ? []
      : [`${arcWords.join(', ')} only belong to arcs (G2, G3), not to G${motion}`];
  }
  if (motion !== 2 && motion !== 3) return [];
  const hasAxes = AXES.some((axis) => parameters.has(axis.toUpperCase()));
  if (!hasAxes && arcWords.length === 0) return [];
  const inPlane = ARC_OFFSETS[plane];
  const errors: string[] = [];
  const outside = offsets.filter((letter) => !inPlane.includes(letter));
  if (outside.length > 0) {
    errors.push(
      `arc offset ${outside.join(', ')} is outside the ${plane.toUpperCase()} plane; ` +
        `use ${inPlane.join(' and ')}`,
    );
  }
  if (parameters.has('R') && offsets.length > 0) {
    errors.push(`arc has both R and ${offsets.join(', ')}; give a radius or centre offsets`);
  } else if (arcWords.length === 0) {
    errors.push(`G${motion} arc has neither R nor ${inPlane.join('/')} centre offsets`);
  }
  return errors;
}
