import type { Logger } from '../log.js';

/** Why the daemon is asked to stop. */
export type StopReason =
  | { kind: 'signal'; signal: NodeJS.Signals }
  | { kind: 'fatal'; error: unknown }
  /** Work the daemon was started for is finished (the embedded default's replay). */
  | { kind: 'done' };

/** What a process-like emitter of signals needs to offer; `process` in production. */
export interface SignalSource {
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  off(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
}

/**
 * The first reason to stop wins; later ones are logged and otherwise ignored, except that a
 * second signal while stopping is passed to `onImpatient` (the CLI exits at once then: someone
 * pressed Ctrl-C twice).
 */
export class StopRequest {
  readonly requested: Promise<StopReason>;
  private resolve!: (reason: StopReason) => void;
  private reason: StopReason | undefined;

  constructor(private readonly logger: Logger) {
    this.requested = new Promise((resolve) => (this.resolve = resolve));
  }

  get pending(): boolean {
    return this.reason === undefined;
  }

  request(reason: StopReason): void {
    if (this.reason !== undefined) {
      this.logger.warn({ kind: reason.kind, first: this.reason.kind }, 'already stopping');
      return;
    }
    this.reason = reason;
    this.resolve(reason);
  }

  /** Turns SIGTERM and SIGINT into stop requests until the returned function is called. */
  listen(source: SignalSource, onImpatient: (signal: NodeJS.Signals) => void): () => void {
    const listener = (signal: NodeJS.Signals) => {
      if (this.reason?.kind === 'signal') {
        onImpatient(signal);
        return;
      }
      this.logger.info({ signal }, 'signal received, stopping');
      this.request({ kind: 'signal', signal });
    };
    const signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];
    for (const signal of signals) source.on(signal, listener);
    return () => {
      for (const signal of signals) source.off(signal, listener);
    };
  }
}

/** A short description of a stop reason for logs and the offline status. */
export function describeStop(reason: StopReason): string {
  switch (reason.kind) {
    case 'signal':
      return reason.signal;
    case 'fatal':
      return `fatal: ${reason.error instanceof Error ? reason.error.message : String(reason.error)}`;
    case 'done':
      return 'finished';
  }
}
