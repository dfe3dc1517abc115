import type { SensorWindow, WindowerOutput } from '../windows/sensorWindow.js';

/**
 * Windows waiting for the model, in stream order, at most `capacity` of them: rxjs has no
 * backpressure, so when the model falls behind, a new window is dropped (and counted) instead
 * of growing memory. A dropped window still releases its rows, so the messages behind it are
 * settled in order; releases take no room, since consecutive ones fold into one.
 */
export class WindowQueue {
  private readonly items: WindowerOutput[] = [];
  private windowCount = 0;
  private droppedCount = 0;
  private wake: (() => void) | undefined;

  constructor(readonly capacity: number) {}

  /** Windows queued now. */
  get windows(): number {
    return this.windowCount;
  }

  /** Windows dropped because the queue was full. */
  get dropped(): number {
    return this.droppedCount;
  }

  get size(): number {
    return this.items.length;
  }

  /** Queues an output; returns false when a window had to be dropped. */
  push(output: WindowerOutput): boolean {
    let kept = true;
    let item = output;
    if (item.kind === 'window' && this.windowCount >= this.capacity) {
      this.droppedCount += 1;
      kept = false;
      item = { kind: 'release', doneThrough: item.window.doneThrough };
    }
    const last = this.items.at(-1);
    if (item.kind === 'release' && last?.kind === 'release') {
      last.doneThrough = Math.max(last.doneThrough, item.doneThrough);
    } else {
      this.items.push(item);
      if (item.kind === 'window') this.windowCount += 1;
    }
    this.wake?.();
    return kept;
  }

  /**
   * Takes up to `max` windows from the front, with the releases among and after them, in
   * order. Windows found waiting are batched together; none found waits for the next push.
   */
  take(max: number): WindowerOutput[] {
    const taken: WindowerOutput[] = [];
    let windows = 0;
    while (this.items.length > 0) {
      const next = this.items[0]!;
      if (next.kind === 'window' && windows === max) break;
      this.items.shift();
      taken.push(next);
      if (next.kind === 'window') windows += 1;
    }
    this.windowCount -= windows;
    return taken;
  }

  /** Resolves once something is queued (at once if something is). */
  async waitForItems(): Promise<void> {
    if (this.items.length > 0) return;
    await new Promise<void>((resolve) => {
      this.wake = () => {
        this.wake = undefined;
        resolve();
      };
    });
  }

  /** Wakes a waiting taker with nothing queued, e.g. to let it see that the pipeline stops. */
  interrupt(): void {
    this.wake?.();
  }
}

/** The windows among outputs. */
export function windowsIn(outputs: readonly WindowerOutput[]): SensorWindow[] {
  return outputs.flatMap((output) => (output.kind === 'window' ? [output.window] : []));
}
