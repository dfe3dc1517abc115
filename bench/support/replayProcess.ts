import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ReplaySpeed } from '../../src/transports/replay/replay.js';
import { childNodeFlags } from './daemonProcess.js';

const SCRIPT = fileURLToPath(new URL('./replayChild.ts', import.meta.url));

/** One replay asked of the child, a line of JSON on its stdin. */
export interface ReplayRequest {
  /** Topic prefix, one of those the child was started with. */
  prefix: string;
  /** Rows per sensor message; replayRuns's default for the speed when left out. */
  batchRows?: number;
  startMs: number;
  speed: ReplaySpeed;
}

/** The child's answer once a replay is out, a line of JSON on its stdout. */
export interface ReplayAnswer {
  samples: number;
  /** Where a following replay would continue the time line. */
  nextStartMs: number;
}

export interface ReplayProcess {
  /** Publishes the runs once under `prefix`; resolves once all are out. */
  replay(request: ReplayRequest): Promise<ReplayAnswer>;
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
  const args = [SCRIPT, url, machine, runIds.join(','), prefixes.join(',')];
  const child = spawn(process.execPath, [...childNodeFlags(), ...args], {
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
      return JSON.parse(await next()) as ReplayAnswer;
    },
    async stop() {
      child.stdin.end();
      await exited;
    },
  };
}
