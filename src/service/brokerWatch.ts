import type { TransportName } from '../transports/inputSource.js';
import type { Check } from './httpServer.js';

/** An outage that ended: the transport was without its broker from `from` to `to` (ms). */
export interface BrokerOutage {
  transport: TransportName;
  from: number;
  to: number;
}

export interface BrokerWatchOptions {
  /** Whether each transport is connected now (the transports' own view). */
  connected: () => Partial<Record<TransportName, boolean>>;
  /** A transport lost its broker. */
  onLost: (transport: TransportName) => void;
  /** A transport has its broker again after an outage. */
  onRecovered: (outage: BrokerOutage) => void;
  intervalMs?: number;
  now?: () => number;
}

/**
 * Follows the connection of each transport to its broker by polling the transports' state, so
 * an outage is reported once when it starts and once, with its length, when it ends; in
 * between, readiness fails and names the transport and how long it has been gone.
 */
export class BrokerWatch {
  private readonly since = new Map<TransportName, number>();
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(private readonly options: BrokerWatchOptions) {
    this.now = options.now ?? Date.now;
  }

  start(): void {
    this.timer ??= setInterval(() => this.check(), this.options.intervalMs ?? 250);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Compares the transports' state with the last seen and reports changes. */
  check(): void {
    for (const [name, up] of Object.entries(this.options.connected())) {
      const transport = name as TransportName;
      const from = this.since.get(transport);
      if (!up && from === undefined) {
        this.since.set(transport, this.now());
        this.options.onLost(transport);
      } else if (up && from !== undefined) {
        this.since.delete(transport);
        this.options.onRecovered({ transport, from, to: this.now() });
      }
    }
  }

  /** Ready while every transport has its broker; otherwise which ones and for how long. */
  readiness(): Check {
    if (this.since.size === 0) return { ok: true };
    const now = this.now();
    const gone = [...this.since].map(
      ([transport, from]) => `${transport} broker unreachable for ${formatSeconds(now - from)}`,
    );
    return { ok: false, detail: gone.join('; ') };
  }
}

export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
