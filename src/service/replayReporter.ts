import type { RunInfo } from '../data/runCatalog.js';
import type { DriftEvent } from '../drift/driftTracker.js';
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
  /** Drift alarm episodes started while this phase was replayed, by cause. */
  alarms: Map<string, number>;
}

/**
 * The console side of the embedded default: one line as each phase starts, every `every`
 * windows the running accuracy of the operation head against the operation of the run being
 * replayed (windows that straddle two runs are not scored), a line for each drift alarm, sustained
 * alarm and clearance, and one when a new adapter starts serving. The tool head is not scored:
 * the committed model saw only healthy tools, so a damaged tool shows as drift, not as a label.
 * Lines go to `write`; nothing here touches the daemon.
 */
export class ReplayReporter {
  private readonly spans: ReplayedSpan[] = [];
  private readonly tallies = new Map<string, Tally>();
  private recent: boolean[] = [];
  private current: string | undefined;
  private adapter: string | null = null;

  constructor(
    private readonly write: (line: string) => void,
    private readonly every = 50,
  ) {}

  /** A phase begins: says what it replays. */
  phase(name: string, description: string, runs: readonly RunInfo[]): void {
    this.write(`\n== ${name}: ${description} (${runs.map((run) => run.id).join(', ')})`);
    this.tallies.set(name, { windows: 0, correct: 0, alarms: new Map() });
    this.current = name;
  }

  /** A drift event of the daemon's learning loop. */
  drift(event: DriftEvent): void {
    const where = this.current === undefined ? '' : ` (${this.current})`;
    switch (event.kind) {
      case 'alarm': {
        const tally = this.current === undefined ? undefined : this.tallies.get(this.current);
        tally?.alarms.set(event.cause, (tally.alarms.get(event.cause) ?? 0) + 1);
        this.write(
          `  drift alarm${where}: ${describeCause(event.cause)}, MMD² ${event.statistic.toFixed(4)}` +
            ` over ${event.threshold.toFixed(4)} at window ${event.step}`,
        );
        return;
      }
      case 'sustained':
        this.write(
          `  drift sustained${where}: ${describeCause(event.cause)} for ${event.alarmSteps} windows`,
        );
        return;
      case 'cleared':
        this.write(`  drift cleared${where} after ${event.alarmSteps} windows`);
        return;
      case 'reset':
        this.write(`  drift monitor reset (${event.reference} reference)`);
    }
  }

  /** A run's rows were stamped from `from` to `to`. */
  span(span: ReplayedSpan): void {
    this.spans.push(span);
  }

  observe(prediction: Prediction): void {
    const { window, results } = prediction;
    const adapter = prediction.payload?.adapterVersion ?? null;
    if (adapter !== this.adapter) {
      this.adapter = adapter;
      this.write(`  now serving ${adapter === null ? 'the source model' : `adapter ${adapter}`}`);
    }
    const span = this.spans.find((s) => s.from <= window.from && window.to <= s.to);
    if (span === undefined) return;
    const tally = this.tallies.get(span.phase);
    const operation = results.operation;
    if (tally === undefined || operation === undefined) return;
    const right = operation.label === span.run.operation;
    tally.windows += 1;
    tally.correct += right ? 1 : 0;
    this.recent.push(right);
    if (this.recent.length > this.every) this.recent = this.recent.slice(-this.every);
    if (tally.windows % this.every === 0) this.write(this.line(span, tally));
  }

  /** A closing line per phase. */
  summary(): string[] {
    return [...this.tallies].map(
      ([phase, t]) =>
        `${phase}: ${t.windows} windows, operation accuracy ${ratio(t.correct, t.windows)}, ` +
        `drift alarms: ${
          t.alarms.size === 0
            ? 'none'
            : [...t.alarms].map(([cause, n]) => `${n} ${describeCause(cause)}`).join(', ')
        }`,
    );
  }

  private line(span: ReplayedSpan, tally: Tally): string {
    const last = this.recent.filter(Boolean).length;
    return (
      `  ${span.phase} | ${span.run.id} (${span.run.operation}, ${span.run.tool}) | ` +
      `${tally.windows} windows | operation accuracy ${ratio(tally.correct, tally.windows)} ` +
      `(last ${this.recent.length}: ${ratio(last, this.recent.length)})`
    );
  }
}

function ratio(part: number, whole: number): string {
  return whole === 0 ? '-' : (part / whole).toFixed(2);
}

function describeCause(cause: string): string {
  return cause === 'machine' ? 'machine drift' : `explained by a new ${cause}`;
}
