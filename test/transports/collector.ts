import type { Observable } from 'rxjs';
import { withDeadline } from '../support/deadline.js';

/** Everything an observable emits, with a way to wait until enough has come. */
export class Collector<T> {
  readonly items: T[] = [];
  private waiters: { count: number; resolve: () => void }[] = [];

  constructor(source: Observable<T>) {
    source.subscribe((item) => {
      this.items.push(item);
      this.waiters = this.waiters.filter((waiter) => {
        if (this.items.length < waiter.count) return true;
        waiter.resolve();
        return false;
      });
    });
  }

  /** Resolves with the first `count` items once they are in, or fails after `ms` naming `what`. */
  async first(count: number, ms: number, what: string): Promise<T[]> {
    if (this.items.length < count) {
      await withDeadline(
        new Promise<void>((resolve) => this.waiters.push({ count, resolve })),
        ms,
        `${count} ${what} (${this.items.length} so far)`,
      );
    }
    return this.items.slice(0, count);
  }
}

/** Waits `ms` so that anything still on its way can arrive; for asserting that nothing does. */
export function quietFor(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
