import type { RecordPosition } from './kafkaClient.js';

/**
 * Coalesces commits: one runs at a time, and positions that arrive meanwhile go out together in
 * the next one. Each caller's promise resolves once a commit covering its positions is done,
 * or rejects with that commit's error.
 */
export class CommitQueue {
  private waiting: RecordPosition[] = [];
  private waiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  private running: Promise<void> | undefined;

  constructor(private readonly commit: (positions: readonly RecordPosition[]) => Promise<void>) {}

  /** Queues positions (records finished with) for the next commit. */
  add(positions: readonly RecordPosition[]): Promise<void> {
    if (positions.length === 0) return Promise.resolve();
    this.waiting.push(...positions);
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.running ??= this.drain();
    return done;
  }

  /** Resolves once every position queued so far is committed or has failed to be. */
  async flush(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  /** Forgets what is queued and not yet sent (the partitions were reassigned). */
  discard(): void {
    this.waiting = [];
    for (const waiter of this.waiters.splice(0)) waiter.resolve();
  }

  private async drain(): Promise<void> {
    while (this.waiting.length > 0) {
      const positions = this.waiting;
      const waiters = this.waiters;
      this.waiting = [];
      this.waiters = [];
      try {
        await this.commit(positions);
        for (const waiter of waiters) waiter.resolve();
      } catch (error) {
        for (const waiter of waiters) waiter.reject(error);
      }
    }
    this.running = undefined;
  }
}
