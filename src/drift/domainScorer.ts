import { Worker } from 'node:worker_threads';
import { AdaptdError } from '../errors.js';
import type { DomainScore, DomainScoreOptions } from './domainClassifier.js';
import type { DomainScoreJob } from './domainScoreWorker.js';

/**
 * Runs `domainClassifierScore` in a worker thread, one score at a time: the score refits a
 * logistic regression (1 + permutations) x folds times, about 3 s of CPU for 128 recent and
 * 78 reference embeddings of 64 units with 19 permutations, which must not block inference.
 * The worker is plain JavaScript (no TensorFlow.js), so a thread is safe here. Under tsx
 * (tests, `npm run adaptd`) the worker registers tsx itself, since workers do not inherit
 * the loader.
 */
export class DomainScorer {
  private worker: Worker | undefined;

  constructor(private readonly options: DomainScoreOptions & { timeoutMs?: number } = {}) {}

  /** Whether a score is being computed. */
  get busy(): boolean {
    return this.worker !== undefined;
  }

  /**
   * Scores recent embeddings [m, dim] against reference ones [n, dim]. INTERNAL when one is
   * already running (callers skip a turn instead), SERVICE_FAILED when the worker fails or
   * runs past the timeout.
   */
  score(reference: Float32Array, recent: Float32Array, dim: number): Promise<DomainScore> {
    if (this.worker !== undefined) {
      return Promise.reject(new AdaptdError('INTERNAL', 'a domain score is already running'));
    }
    const { timeoutMs = 60_000, ...options } = this.options;
    const job: DomainScoreJob = { reference, recent, dim, options };
    const worker = startWorker(job);
    this.worker = worker;
    return new Promise<DomainScore>((resolve, reject) => {
      const timer = setTimeout(() => {
        fail(new AdaptdError('SERVICE_FAILED', `domain score took over ${timeoutMs} ms`));
        void worker.terminate();
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.worker = undefined;
      };
      const fail = (error: unknown) => {
        done();
        reject(
          error instanceof AdaptdError
            ? error
            : new AdaptdError('SERVICE_FAILED', 'domain score worker failed', { cause: error }),
        );
      };
      worker.once('message', (score: DomainScore) => {
        done();
        resolve(score);
        void worker.terminate();
      });
      worker.once('error', fail);
      worker.once('exit', (code) => {
        if (this.worker === worker) fail(new Error(`worker exited with code ${code}`));
      });
    });
  }

  /** Stops a score under way; its promise rejects. */
  async stop(): Promise<void> {
    await this.worker?.terminate();
  }
}

function startWorker(job: DomainScoreJob): Worker {
  const underTsx = import.meta.url.endsWith('.ts');
  const entry = new URL(`./domainScoreWorker.${underTsx ? 'ts' : 'js'}`, import.meta.url);
  if (!underTsx) return new Worker(entry, { workerData: job });
  const boot =
    `import('tsx/esm/api').then(({ register }) => { register(); ` +
    `return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(boot, { eval: true, workerData: job });
}
