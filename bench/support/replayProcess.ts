import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ReplaySpeed } from '../../src/transports/replay/replay.js';

const SCRIPT = fileURLToPath(new URL('./replayChild.ts', import.meta.url));

export interface ReplayProcess {
  /**
   * Publishes the runs once under `prefix`; resolves once all are out with the samples sent and
   * where a following replay would continue the time line.
   */
  replay(request: {
    prefix: string;
    batchRows?: number;
    startMs: number;
    speed: ReplaySpeed;
  }): Promise<{ samples: number; nextStartMs: number }>;
  stop(): Promise<void>;
}

/**
 * Starts bench/support/replayChild.ts with this process's Node flags (the tsx loader) and
 * resolves once it has read the runs and connected. Replays are asked for one at a time.
 */
export async function startReplayProcess(options: {
  url: string;
  machine: string;
  runIds: readonly string[];
  /** Topic prefixes it publishes under, each with a publisher connected up front. */
  prefixes: readonly string[];
}): Promise<ReplayProcess> {
  const { url, machine, runIds, prefixes } = options;
  const flags = process.execArgv.filter((f) => !f.startsWith('--test') && !f.startsWith('--cpu'));
  const args = [SCRIPT, url, machine, runIds.join(','), prefixes.join(',')];
  const child = spawn(process.execPath, [...flags, ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<string> => {
    const line = await Promise.race([
      lines.next(),
      exited.then(() => {
        throw new Error('the replay process exited early');
      }),
    ]);
    if (line.done === true) throw new Error('the replay process closed its output');
    return line.value;
  };
  if ((await next()) !== 'ready') throw new Error('the replay process did not say ready');
  return {
    async replay(request) {
      child.stdin.write(`${JSON.stringify(request)}\n`);
      return JSON.parse(await next()) as { samples: number; nextStartMs: number };
    },
    async stop() {
      child.stdin.end();
      await exited;
    },
  };
}
