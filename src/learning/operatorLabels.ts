import type { HeadConfig } from '../model/modelConfig.js';
import type { LabelMessage } from '../transports/messages/labelMessage.js';

/** An operator label checked against the model in service: a class of a head over [from, to]. */
export interface LabelRange {
  head: string;
  classIndex: number;
  from: number;
  to: number;
}

export type LabelCheck = { ok: true; range: LabelRange } | { ok: false; detail: string };

/**
 * Operator labels: each names a head and one of its classes for a time range. A label is
 * checked against the heads of the model in service (the transport cannot know them); the
 * ranges are remembered, up to `maxRanges` (the oldest forgotten first), so that windows
 * scored after the label came are labelled too: an operator often labels what is running.
 */
export class OperatorLabels {
  private readonly ranges: LabelRange[] = [];

  constructor(
    private readonly heads: readonly HeadConfig[],
    private readonly maxRanges = 256,
  ) {}

  /** Remembered ranges, oldest first. */
  get remembered(): readonly LabelRange[] {
    return this.ranges;
  }

  /** Checks a label; an accepted one is remembered for windows still to come. */
  accept(message: LabelMessage): LabelCheck {
    const head = this.heads.find((h) => h.name === message.head);
    if (head === undefined) {
      return {
        ok: false,
        detail:
          `head '${message.head}' is not a head of the model in service; heads are ` +
          this.heads.map((h) => h.name).join(', '),
      };
    }
    const classIndex = head.classes.indexOf(message.label);
    if (classIndex < 0) {
      return {
        ok: false,
        detail:
          `label '${message.label}' is not a class of head '${head.name}'; classes are ` +
          head.classes.join(', '),
      };
    }
    if (message.to < message.from) {
      return {
        ok: false,
        detail: `label range ends (${message.to}) before it starts (${message.from})`,
      };
    }
    const range = { head: head.name, classIndex, from: message.from, to: message.to };
    this.ranges.push(range);
    if (this.ranges.length > this.maxRanges) this.ranges.shift();
    return { ok: true, range };
  }

  /** The remembered ranges a window [from, to] lies wholly inside, latest label last. */
  covering(from: number, to: number): LabelRange[] {
    return this.ranges.filter((range) => covers(range, from, to));
  }

  toJSON(): LabelRange[] {
    return this.ranges.map((range) => ({ ...range }));
  }

  /** Restores ranges saved by toJSON, keeping only those that still fit the model's heads. */
  restore(ranges: readonly LabelRange[]): void {
    const fits = ranges.filter((range) => {
      const head = this.heads.find((h) => h.name === range.head);
      return head !== undefined && range.classIndex >= 0 && range.classIndex < head.classes.length;
    });
    this.ranges.splice(
      0,
      this.ranges.length,
      ...fits.slice(-this.maxRanges).map((r) => ({ ...r })),
    );
  }
}

/** Whether a window [from, to] lies wholly inside a label's range. */
export function covers(range: Pick<LabelRange, 'from' | 'to'>, from: number, to: number): boolean {
  return range.from <= from && to <= range.to;
}
