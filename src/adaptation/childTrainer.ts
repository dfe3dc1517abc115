import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import { AdaptdError } from '../errors.js';
import type { ChildMessage, JobCounts, TrainingJob, TrainingResult } from './trainingProtocol.js';

export interface TrainerCallbacks {
  onProgress?: (done: number, total: number) => void;
  onTrained?: (trainMs: number, counts: JobCounts) => void;
}

/** Runs a training job somewhere and resolves with its result; `cancel` ends it early. */
export interface Trainer {
  run(job: TrainingJob, callbacks: TrainerCallbacks): Promise<TrainingResult>;
  cancel(reason: string): void;
}

/**
 * The training process entry beside this module: trainingChild.js in the build, or the .ts
 * source when the daemon itself runs from source under tsx.
 */
export function trainingChildPath(): string {
  const js = fileURLToPath(new URL('./trainingChild.js', import.meta.url));
  if (existsSync(js)) return js;
  return fileURLToPath(new URL('./trainingChild.ts', import.meta.url));
}

/** Node flags that load code (a TypeScript loader such as tsx) and take a value. */
const LOADER_FLAGS = new Set([
  '--import',
  '--loader',
  '--experimental-loader',
  '--require',
  '-r',
  '--conditions',
  '-C',
]);

/**
 * Node flags for the training process: the daemon's loader flags (so that tsx carries over when
 * the daemon runs from source) and nothing else. The test runner's flags would make the child a
 * test run of its own, and their values (`--test-name-pattern x`) would read as a script.
 */
export function childExecArgv(parent: readonly string[] = process.execArgv): string[] {
  const kept: string[] = [];
  for (let i = 0; i < parent.length; i += 1) {
    const flag = parent[i]!;
    const name = flag.split('=')[0]!;
    if (!LOADER_FLAGS.has(name)) continue;
    kept.push(flag);
    if (!flag.includes('=') && i + 1 < parent.length) kept.push(parent[(i += 1)]!);
  }
  return kept;
}

/**
 * Trains in a child process (child_process.fork) with a deadline: the child is killed when
 * the deadline passes or the run is cancelled, and the run rejects with TRAINING_FAILED.
 */
export class ChildTrainer implements Trainer {
  private child: ChildProcess | undefined;
  private cancelled: string | undefined;

  constructor(
    private readonly options: {
      timeoutMs: number;
      /** Niceness of the training process above the daemon's own (default 10, at most 19). */
      niceness?: number;
    },
  ) {}

  run(job: TrainingJob, callbacks: TrainerCallbacks): Promise<TrainingResult> {
    if (this.child !== undefined) {
      return Promise.reject(new AdaptdError('BUSY', 'a training process is already running'));
    }
    this.cancelled = undefined;
    return new Promise<TrainingResult>((resolve, reject) => {
      const child = fork(trainingChildPath(), [], {
        execArgv: childExecArgv(),
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
        serialization: 'advanced',
      });
      this.child = child;
      // Below the daemon's priority, so that on a small box inference keeps its core.
      if (child.pid !== undefined) {
        try {
          setPriority(child.pid, Math.min(19, getPriority() + (this.options.niceness ?? 10)));
        } catch {
          // Not allowed in some containers; training then competes at equal priority.
        }
      }
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr = (stderr + chunk.toString('utf8')).slice(-2000);
      });
      let result: TrainingResult | undefined;
      let failure: AdaptdError | undefined;
      const timer = setTimeout(() => {
        failure = new AdaptdError(
          'TRAINING_FAILED',
          `training exceeded adaptation.timeoutMs (${this.options.timeoutMs} ms) and was stopped`,
          { context: { timeoutMs: this.options.timeoutMs } },
        );
        child.kill('SIGKILL');
      }, this.options.timeoutMs);
      child.on('message', (message: ChildMessage) => {
        switch (message.kind) {
          case 'progress':
            callbacks.onProgress?.(message.done, message.total);
            break;
          case 'trained':
            callbacks.onTrained?.(message.trainMs, message.counts);
            break;
          case 'result':
            result = message.result;
            break;
          case 'error':
            failure = new AdaptdError('TRAINING_FAILED', message.message, {
              context: { code: message.code },
            });
            break;
        }
      });
      child.on('error', (error) => {
        failure ??= new AdaptdError(
          'TRAINING_FAILED',
          `training process failed: ${error.message}`,
          {
            cause: error,
          },
        );
      });
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        this.child = undefined;
        if (this.cancelled !== undefined) {
          reject(
            new AdaptdError('TRAINING_FAILED', `cancelled: ${this.cancelled}`, {
              context: { cancelled: true },
            }),
          );
        } else if (failure !== undefined) reject(failure);
        else if (result !== undefined) resolve(result);
        else {
          reject(
            new AdaptdError(
              'TRAINING_FAILED',
              `training process exited (code ${code}, signal ${signal}) without a result: ${stderr.trim().slice(-500)}`,
              { context: { code, signal } },
            ),
          );
        }
      });
      child.send({ kind: 'train', job });
    });
  }

  cancel(reason: string): void {
    if (this.child === undefined) return;
    this.cancelled = reason;
    this.child.kill('SIGKILL');
  }
}
