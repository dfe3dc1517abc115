import type { RunInfo } from '../data/runCatalog.js';
import type { Prediction } from '../pipeline/inferenceWorker.js';

/** The time span a replayed run's rows were stamped with. */
export interface ReplayedSpan {
  run: RunInfo;
  phase: string;
  /** First and last row time (ms since the epoch). */
  from: number;
  to: number;
}

interface Tally {
  windows: number;
  correct: number;
  damaged: number;
}

/**
 * The console side of the embedded default: one line as each phase starts, and every `every`
 * windows the running accuracy of the operation head against the operation of the run being
 * replayed (windows that straddle two runs are not scored), with the share of windows the tool
 * head calls damaged. Lines go to `write`; nothing here touches the daemon.
 */
export class ReplayReporter {
  private readonly spans: ReplayedSpan[] = [];
  private readonly tallies = new Map<string, Tally>();
  private recent: boolean[] = [];

  constructor(
    private readonly write: (line: string) => void,
    private readonly every = 50,
  ) {}

  /** A phase begins: says what it replays. */
  phase(name: string, description: string, runs: readonly RunInfo[]): void {
    this.write(`\n== ${name}: ${description} (${runs.map((run) => run.id).join(', ')})`);
    this.tallies.set(name, { windows: 0, correct: 0, damaged: 0 });
  }

  /** A run's rows were stamped from `from` to `to`. */
  span(span: ReplayedSpan): void {
    this.spans.push(span);
  }

  observe(prediction: Prediction): void {
    const { window, results } = prediction;
    const span = this.spans.find((s) => s.from <= window.from && window.to <= s.to);
    if (span === undefined) return;
    const tally = this.tallies.get(span.phase);
    const operation = results.operation;
    if (tally === undefined || operation === undefined) return;
    const right = operation.label === span.run.operation;
    tally.windows += 1;
    tally.correct += right ? 1 : 0;
    tally.damaged += results.tool?.label === 'damaged' ? 1 : 0;
    this.recent.push(right);
    if (this.recent.length > this.every) this.recent = this.recent.slice(-this.every);
    if (tally.windows % this.every === 0) this.write(this.line(span, tally));
  }

  /** A closing line per phase. */
  summary(): string[] {
    return [...this.tallies].map(
      ([phase, t]) =>
        `${phase}: ${t.windows} windows, operation accuracy ${ratio(t.correct, t.windows)}, ` +
        `tool called damaged in ${ratio(t.damaged, t.windows)}`,
    );
  }

  private line(span: ReplayedSpan, tally: Tally): string {
    const last = this.recent.filter(Boolean).length;
    return (
      `  ${span.phase} | ${span.run.id} (${span.run.operation}, ${span.run.tool}) | ` +
      `${tally.windows} windows | operation accuracy ${ratio(tally.correct, tally.windows)} ` +
      `(last ${this.recent.length}: ${ratio(last, this.recent.length)}) | ` +
      `tool damaged ${ratio(tally.damaged, tally.windows)}`
    );
  }
}

function ratio(part: number, whole: number): string {
  return whole === 0 ? '-' : (part / whole).toFixed(2);
}
