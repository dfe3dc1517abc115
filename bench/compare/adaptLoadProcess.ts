import { spawn } from 'node:child_process';
import { getPriority, setPriority } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { childNodeFlags } from '../support/daemonProcess.js';

const SCRIPT = fileURLToPath(new URL('./adaptLoad.ts', import.meta.url));

export interface AdaptLoad {
  /** The training process (node, under nice). */
  pid: number;
  /** Rounds finished so far and their wall milliseconds. */
  rounds: number[];
  stop(): Promise<void>;
}

/**
 * Starts bench/compare/adaptLoad.ts with this process's Node flags (the tsx loader) and
 * resolves once it has loaded its buffer. `niceness` is added to the bench's own: 0 by
 * default (the benches run under nice 10, and on a shared machine a further 10 starved the
 * rounds completely); 10 puts it below the daemon as the engine's ChildTrainer does.
 */
export async function startAdaptLoad(modelDir: string, niceness = 0): Promise<AdaptLoad> {
  const child = spawn(process.execPath, [...childNodeFlags(), SCRIPT, modelDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (niceness > 0) setPriority(child.pid!, Math.min(19, getPriority() + niceness));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const rounds: number[] = [];
  const lines = createInterface({ input: child.stdout });
  await new Promise<void>((resolve, reject) => {
    lines.on('line', (line) => {
      if (line === 'ready') resolve();
      const match = /^round (\d+)$/.exec(line);
      if (match !== null) rounds.push(Number(match[1]));
    });
    void exited.then(() => reject(new Error('the adaptation load exited before it was ready')));
  });
  return {
    pid: child.pid!,
    rounds,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
