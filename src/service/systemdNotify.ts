import { execFile } from 'node:child_process';
import { silentLogger, type Logger } from '../log.js';
import type { Check } from './httpServer.js';

export interface SystemdNotifierOptions {
  /** Where NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID are read; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** The systemd-notify binary; default found on PATH. */
  command?: string;
  /** This process's pid, compared with WATCHDOG_PID; default process.pid. */
  pid?: number;
  logger?: Logger;
}

/** Most time one systemd-notify call may take; it waits for systemd to take the message. */
const SEND_TIMEOUT_MS = 10_000;

/**
 * Tells systemd how the daemon is doing, for units of Type=notify. Node cannot open the Unix
 * datagram socket systemd listens on, so each message is one run of `systemd-notify`, which
 * also waits until systemd has taken it (so a child that exits at once is still attributed);
 * the unit needs NotifyAccess=all for that. Soft-failing: without NOTIFY_SOCKET every call does
 * nothing, and a failed send is logged, never thrown. Messages leave in the order they were
 * asked for.
 */
export class SystemdNotifier {
  /** Whether systemd listens at all (NOTIFY_SOCKET set). */
  readonly enabled: boolean;
  private readonly env: NodeJS.ProcessEnv;
  private readonly command: string;
  private readonly pid: number;
  private readonly log: Logger;
  private queue: Promise<void> = Promise.resolve();
  private watchdog: NodeJS.Timeout | undefined;
  private checking = false;
  private warned = false;

  constructor(options: SystemdNotifierOptions = {}) {
    this.env = options.env ?? process.env;
    this.command = options.command ?? 'systemd-notify';
    this.pid = options.pid ?? process.pid;
    this.log = (options.logger ?? silentLogger).child({ component: 'systemd' });
    this.enabled = (this.env.NOTIFY_SOCKET ?? '') !== '';
  }

  /** Start-up is complete: call once the model is loaded and the inputs are subscribed. */
  ready(status?: string): Promise<void> {
    return this.send(['READY=1', ...statusField(status)]);
  }

  /** Shutdown has begun; systemd then waits up to TimeoutStopSec for the exit. */
  stopping(status?: string): Promise<void> {
    this.stopWatchdog();
    return this.send(['STOPPING=1', ...statusField(status)]);
  }

  /** A free-text line that `systemctl status` shows. */
  status(text: string): Promise<void> {
    return this.send(statusField(text));
  }

  /**
   * The ping interval: half of WATCHDOG_USEC, so one late ping does not kill a healthy
   * daemon. Undefined when systemd runs no watchdog for this process.
   */
  watchdogIntervalMs(): number | undefined {
    if (!this.enabled) return undefined;
    const usec = Number(this.env.WATCHDOG_USEC ?? '');
    if (!Number.isInteger(usec) || usec <= 0) return undefined;
    const owner = this.env.WATCHDOG_PID;
    if (owner !== undefined && owner !== '' && Number(owner) !== this.pid) return undefined;
    return Math.max(1, Math.floor(usec / 2000));
  }

  /**
   * Pings systemd's watchdog every half interval while `health` says ok. An unhealthy or
   * failing check withholds the ping, so systemd restarts a daemon that stays unhealthy for
   * WatchdogSec. Does nothing when no watchdog is configured; a second call is ignored.
   */
  startWatchdog(health: () => Check | Promise<Check>): void {
    const interval = this.watchdogIntervalMs();
    if (interval === undefined || this.watchdog !== undefined) return;
    this.watchdog = setInterval(() => void this.feed(health), interval);
    // Pings must not keep a daemon alive that has otherwise finished.
    this.watchdog.unref();
    this.log.info({ intervalMs: interval }, 'watchdog started');
  }

  stopWatchdog(): void {
    clearInterval(this.watchdog);
    this.watchdog = undefined;
  }

  /** Resolves once every message asked for so far has been sent or has failed. */
  flush(): Promise<void> {
    return this.queue;
  }

  private async feed(health: () => Check | Promise<Check>): Promise<void> {
    // A check slower than the interval must not pile up behind itself.
    if (this.checking) return;
    this.checking = true;
    try {
      const check = await Promise.resolve()
        .then(health)
        .catch((error: unknown): Check => ({ ok: false, detail: String(error) }));
      if (this.watchdog === undefined) return;
      if (check.ok) {
        await this.send(['WATCHDOG=1']);
      } else {
        this.log.warn({ detail: check.detail }, 'unhealthy, watchdog ping withheld');
      }
    } finally {
      this.checking = false;
    }
  }

  private send(fields: string[]): Promise<void> {
    if (!this.enabled || fields.length === 0) return Promise.resolve();
    this.queue = this.queue.then(() => this.run(fields));
    return this.queue;
  }

  private run(fields: string[]): Promise<void> {
    return new Promise((resolve) => {
      execFile(this.command, fields, { env: this.env, timeout: SEND_TIMEOUT_MS }, (error) => {
        if (error !== null) this.reportFailure(fields, error);
        resolve();
      });
    });
  }

  private reportFailure(fields: string[], error: Error): void {
    const message = fields[0]?.split('=')[0];
    // Once at warn: a box without systemd-notify would otherwise warn on every ping.
    if (this.warned) {
      this.log.debug({ err: error, message }, 'systemd notification failed');
      return;
    }
    this.warned = true;
    this.log.warn(
      { err: error, message, command: this.command },
      'systemd notification failed; is systemd-notify installed?',
    );
  }
}

function statusField(status: string | undefined): string[] {
  // A newline would start a new assignment in the datagram.
  return status === undefined ? [] : [`STATUS=${status.replace(/\s+/g, ' ')}`];
}
