import type { DriftContext } from '../drift/driftMonitor.js';
import { parseLine, type ParsedLine } from '../gcode/gcodeParser.js';
import { ModalState } from '../gcode/modalState.js';
import { DEFAULT_VOCABULARY } from '../gcode/vocabulary.js';
import { gcodeTargets, type GcodeTargets } from '../model/gcodeTargets.js';
import type { GcodeMessage } from '../transports/messages/gcodeMessage.js';
import type { SensorWindow } from '../windows/sensorWindow.js';

/** What one executed line says, as the labeller saw it when the line came. */
interface LineFacts {
  /** Motion class 0..3 (G0..G3), -1 where the mode is not known for certain. */
  motion: number;
  programId?: string;
  tool?: string;
}

/** `(PROGRAM face150025)` or `; program: face150025` announces the program that follows. */
const PROGRAM_COMMENT = /^program\s*[:=]?\s*(\S.*)$/i;

/**
 * Labels from the G-code stream, for free: the motion command (G0..G3) each executed line runs
 * under, tracked through the modal state, and the context drift is judged in (the program and
 * tool announced on the stream).
 *
 * The stream is sampled: the controller reports the line executing at each status report, so
 * lines go unseen. A jump in line numbers tells the modal state that lines were missed, and
 * the motion mode stays unknown (-1, no label) until a line sets it again; a line without a
 * motion word is labelled only when the mode it inherits is certain. Lines are taken in the
 * order they come; a line arriving out of time order is applied late, which a real controller
 * feed does not do.
 *
 * A program is announced by a comment `(PROGRAM <id>)` or an O word (`O1234`); a tool by a T
 * word. Without an announcement the program is unknown and a new program's drift is reported
 * as machine drift. The modal state is not persisted: after a restart motion labels wait for
 * the next line that sets the mode.
 */
export class GcodeLabeller {
  private readonly modal = new ModalState();
  private readonly facts = new Map<number, LineFacts>();
  private readonly targets = new Map<string, GcodeTargets>();
  private lastLine: number | undefined;
  private programId: string | undefined;
  private tool: string | undefined;

  /** @param maxLines lines remembered for windows still to be scored (oldest forgotten). */
  constructor(private readonly maxLines = 4096) {}

  /** The program and tool announced last. */
  get context(): DriftContext {
    return {
      ...(this.programId === undefined ? {} : { programId: this.programId }),
      ...(this.tool === undefined ? {} : { tool: this.tool }),
    };
  }

  /** Takes one executed line, in arrival order. */
  observe(message: GcodeMessage): void {
    const parsed = parseLine(message.text);
    const previous = this.lastLine;
    if (previous !== undefined && message.line !== previous && message.line !== previous + 1) {
      this.modal.linesMissed();
    }
    this.lastLine = message.line;
    this.announce(parsed);
    const state = this.modal.apply(parsed);
    if (state.tool !== undefined) this.tool = String(state.tool);
    if (state.programEnd) this.lastLine = undefined;
    this.facts.set(message.ts, {
      motion: state.rejected || state.motion === undefined ? -1 : state.motion,
      ...this.context,
    });
    if (this.facts.size > this.maxLines) {
      const oldest = this.facts.keys().next().value;
      if (oldest !== undefined) this.facts.delete(oldest);
    }
  }

  /** Motion class per row of a window [length], -1 where unknown. */
  motionSteps(window: Pick<SensorWindow, 'gcode'>): Int32Array {
    return Int32Array.from(window.gcode, (line) =>
      line === undefined ? -1 : (this.facts.get(line.ts)?.motion ?? -1),
    );
  }

  /**
   * Class ids of the G-code heads (first token type, command, parameter, value bucket) for the
   * line at the window's last row, as pretraining labels them; undefined without a line.
   */
  lineTargets(window: Pick<SensorWindow, 'gcode'>): GcodeTargets | undefined {
    const last = window.gcode[window.gcode.length - 1];
    if (last === undefined) return undefined;
    let targets = this.targets.get(last.text);
    if (targets === undefined) {
      targets = gcodeTargets(last.text, DEFAULT_VOCABULARY);
      // Programs repeat a few hundred distinct lines; the cap only guards against a flood.
      if (this.targets.size >= this.maxLines) this.targets.clear();
      this.targets.set(last.text, targets);
    }
    return targets;
  }

  /** The program and tool in force at the window's last row (else the latest announced). */
  contextOf(window: Pick<SensorWindow, 'gcode'>): DriftContext {
    const last = window.gcode[window.gcode.length - 1];
    const facts = last === undefined ? undefined : this.facts.get(last.ts);
    if (facts === undefined) return this.context;
    return {
      ...(facts.programId === undefined ? {} : { programId: facts.programId }),
      ...(facts.tool === undefined ? {} : { tool: facts.tool }),
    };
  }

  private announce(parsed: ParsedLine): void {
    const named = parsed.comment === undefined ? null : PROGRAM_COMMENT.exec(parsed.comment);
    const oWord = parsed.words.find((word) => word.letter === 'O');
    if (named !== null) this.programId = named[1]!.trim();
    else if (oWord !== undefined) this.programId = `O${oWord.value}`;
  }
}
