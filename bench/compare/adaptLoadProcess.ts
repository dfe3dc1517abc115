import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./adaptLoad.ts', import.meta.url));

export interface AdaptLoad {
  /** Rounds finished so far and their wall milliseconds. */
  rounds: number[];
  stop(): Promise<void>;
}

/**
 * Starts bench/compare/adaptLoad.ts under nice 10 (the engine's training niceness) with this
 * process's Node flags (the tsx loader), and resolves once it has loaded and begun training.
 */
export async function startAdaptLoad(modelDir: string): Promise<AdaptLoad> {
  const flags = process.execArgv.filter((f) => !f.startsWith('--test') && !f.startsWith('--cpu'));
  const child = spawn('nice', ['-n', '10', process.execPath, ...flags, SCRIPT, modelDir], {
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
    rounds,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
