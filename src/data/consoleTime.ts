/**
 * The `t_console` column is a wall-clock time of day without a date: `HH:MM:SS.fff` in
 * all files but one, which has `MM:SS.f` (the hour was dropped when it was saved). Both
 * wrap: past midnight and past the hour respectively.
 */
export type ConsoleTimeFormat = 'hms' | 'ms';

const HMS = /^(\d{1,2}):(\d{2}):(\d{2}(?:\.\d+)?)$/;
const MS = /^(\d{1,3}):(\d{2}(?:\.\d+)?)$/;

/** Seconds after which each format starts again from zero. */
export const WRAP_PERIOD: Record<ConsoleTimeFormat, number> = { hms: 86_400, ms: 3_600 };

export interface ConsoleTime {
  format: ConsoleTimeFormat;
  /** Seconds since the start of the day (hms) or of the hour (ms). */
  seconds: number;
}

/** Parses one cell; undefined when it is in neither format or out of range. */
export function parseConsoleTime(text: string): ConsoleTime | undefined {
  const trimmed = text.trim();
  const hms = HMS.exec(trimmed);
  if (hms !== null) {
    const hours = Number(hms[1]);
    const minutes = Number(hms[2]);
    const seconds = Number(hms[3]);
    if (hours > 23 || minutes > 59 || seconds >= 60) return undefined;
    return { format: 'hms', seconds: hours * 3600 + minutes * 60 + seconds };
  }
  const ms = MS.exec(trimmed);
  if (ms !== null) {
    const minutes = Number(ms[1]);
    const seconds = Number(ms[2]);
    if (minutes > 59 || seconds >= 60) return undefined;
    return { format: 'ms', seconds: minutes * 60 + seconds };
  }
  return undefined;
}

export type ClockStep =
  { ok: true; elapsed: number } | { ok: false; reason: 'format-changed' | 'backwards' };

/**
 * Turns successive times of day into seconds since the first row. A drop of more than
 * half the wrap period is read as a wrap; a smaller drop cannot be a wrap (rows come
 * about every 0.26 s) and is refused rather than reordered.
 */
export class RunClock {
  private format: ConsoleTimeFormat | undefined;
  private first = 0;
  private previous = 0;
  private offset = 0;

  step(time: ConsoleTime): ClockStep {
    if (this.format === undefined) {
      this.format = time.format;
      this.first = time.seconds;
      this.previous = time.seconds;
      return { ok: true, elapsed: 0 };
    }
    if (time.format !== this.format) return { ok: false, reason: 'format-changed' };
    const period = WRAP_PERIOD[this.format];
    if (time.seconds < this.previous) {
      if (this.previous - time.seconds <= period / 2) return { ok: false, reason: 'backwards' };
      this.offset += period;
    }
    this.previous = time.seconds;
    return { ok: true, elapsed: time.seconds + this.offset - this.first };
  }
}
