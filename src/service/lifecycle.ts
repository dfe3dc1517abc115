import { AdaptdError } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import { withDeadline } from '../util/deadline.js';

/** A part of the daemon that can be started and stopped. */
export interface Component {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface LifecycleOptions {
  logger?: Logger;
  /** Most time one component may take to stop before the next one is stopped anyway. */
  stopTimeoutMs?: number;
}

/**
 * Starts components in the order they were added and stops them in reverse. A start that
 * fails part way stops what had started, in reverse, and then rethrows the failure, so no
 * half-started daemon is left holding ports, broker sessions or tensors.
 */
export class Lifecycle {
  private readonly components: Component[] = [];
  private readonly started: Component[] = [];
  private readonly log: Logger;
  private readonly stopTimeoutMs: number;
  private stopping: Promise<void> | undefined;
  private inFlight: Promise<void> | undefined;

  constructor(options: LifecycleOptions = {}) {
    this.log = (options.logger ?? silentLogger).child({ component: 'lifecycle' });
    this.stopTimeoutMs = options.stopTimeoutMs ?? 30_000;
  }

  add(component: Component): this {
    this.components.push(component);
    return this;
  }

  /** Names of the components running now, in start order. */
  running(): string[] {
    return this.started.map((component) => component.name);
  }

  async start(): Promise<void> {
    for (const component of this.components) {
      if (this.stopping !== undefined) break;
      const startedAt = Date.now();
      // Recorded as started inside the promise, so that a stop arriving meanwhile waits for
      // this start and then stops the component too.
      const attempt = component.start().then(() => {
        this.started.push(component);
      });
      this.inFlight = attempt;
      try {
        await attempt;
      } catch (error) {
        this.log.error({ err: error, part: component.name }, 'start failed, undoing');
        // Failures to stop are logged there; the start failure is the one to report.
        await this.stop().catch(() => undefined);
        throw error;
      }
      this.log.info({ part: component.name, ms: Date.now() - startedAt }, 'started');
    }
    if (this.stopping !== undefined) {
      throw new AdaptdError('SERVICE_FAILED', 'start was abandoned because stop was asked for', {
        context: { started: this.running() },
      });
    }
  }

  /** Stops every started component in reverse order; a second call waits for the first. */
  stop(): Promise<void> {
    this.stopping ??= this.stopAll();
    return this.stopping;
  }

  private async stopAll(): Promise<void> {
    await this.inFlight?.catch(() => undefined);
    const failures: unknown[] = [];
    while (this.started.length > 0) {
      const component = this.started.pop()!;
      try {
        await withDeadline(component.stop(), this.stopTimeoutMs, () => {
          throw new AdaptdError(
            'SERVICE_FAILED',
            `${component.name} did not stop within ${this.stopTimeoutMs} ms`,
            {
              context: { component: component.name, ms: this.stopTimeoutMs },
            },
          );
        });
        this.log.info({ part: component.name }, 'stopped');
      } catch (error) {
        failures.push(error);
        this.log.error({ err: error, part: component.name }, 'stop failed, continuing');
      }
    }
    if (failures.length > 0) {
      throw new AdaptdError('SERVICE_FAILED', `${failures.length} component(s) failed to stop`, {
        cause: failures[0],
        context: { failures: failures.map(String) },
      });
    }
  }
}
