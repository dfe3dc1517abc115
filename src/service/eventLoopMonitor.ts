/**
 * Tells whether the event loop keeps up: a timer that should fire every `intervalMs` records
 * how late each tick is. The loop is unhealthy while the latest delay, or the time since the
 * last tick, exceeds `limitMs` (a long synchronous model call or a busy loop shows as both).
 */
export class EventLoopMonitor {
  private timer: NodeJS.Timeout | undefined;
  private lastTick: number;
  private lastDelay = 0;

  constructor(
    private readonly intervalMs = 500,
    private readonly limitMs = 2000,
    private readonly now: () => number = Date.now,
  ) {
    this.lastTick = now();
  }

  start(): void {
    if (this.timer !== undefined) return;
    this.lastTick = this.now();
    this.timer = setInterval(() => this.tick(this.now()), this.intervalMs);
    // The monitor must not keep an otherwise finished process alive.
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Records a tick at `at`; the timer calls it, tests call it with virtual times. */
  tick(at: number): void {
    this.lastDelay = Math.max(0, at - this.lastTick - this.intervalMs);
    this.lastTick = at;
  }

  /** The loop's state at `at`: ok, and the delay that decided it. */
  status(at: number = this.now()): { ok: boolean; delayMs: number } {
    const sinceTick = Math.max(0, at - this.lastTick - this.intervalMs);
    const delayMs = Math.max(this.lastDelay, sinceTick);
    return { ok: delayMs <= this.limitMs, delayMs };
  }
}
