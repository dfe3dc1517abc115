import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

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
 * resolves once it has loaded its buffer. It runs at the bench's own niceness, not 10 below
 * as the engine's ChildTrainer puts it below the daemon: the benches themselves run under
 * nice 10 on a shared machine, and a further 10 starved the rounds completely there.
 */
export async function startAdaptLoad(modelDir: string): Promise<AdaptLoad> {
  const flags = process.execArgv.filter((f) => !f.startsWith('--test') && !f.startsWith('--cpu'));
  const child = spawn(process.execPath, [...flags, SCRIPT, modelDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
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
