import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../../src/log.js';
import { OffsetStore } from '../../src/state/offsetStore.js';
import { StateStore, type DamageReport } from '../../src/state/stateStore.js';
import { matchesGeneration } from './generationFiles.js';

export interface KillLoopResult {
  kills: number;
  /** Generations the writers reported durable, in all. */
  written: number;
  /** Reloads whose newest generation was one the writer had not yet reported (a kill just after the rename). */
  aheadOfReport: number;
  /** Kills that landed before the first generation of their run was reported. */
  beforeFirstWrite: number;
  /** Kills that landed inside a generation write (a staging folder was left behind). */
  midWrite: number;
  damage: DamageReport[];
  /** Problems found; empty when every reload was consistent. */
  problems: string[];
}

const CHILD = fileURLToPath(new URL('./stateWriterChild.ts', import.meta.url));

/** Runs the writer until it says `ready`, lets it write for `ms`, then SIGKILLs it. */
function runAndKill(dir: string, firstSeq: number, ms: number) {
  return new Promise<{ lastWritten: number; lastSaved: number }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, String(firstSeq)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let lastWritten = -1;
    let lastSaved = -1;
    let buffered = '';
    let errors = '';
    child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString('utf8')));
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (line === 'ready') setTimeout(() => child.kill('SIGKILL'), ms);
        const [word, value] = line.split(' ');
        if (word === 'written') lastWritten = Number(value);
        if (word === 'saved') lastSaved = Number(value);
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') {
        reject(new Error(`writer exited with ${code ?? signal}: ${errors.slice(0, 2000)}`));
      } else resolve({ lastWritten, lastSaved });
    });
  });
}

/**
 * Kills a state writer `kills` times at random moments (0 to `maxMs` ms after it is ready)
 * and after each kill reloads the state as the daemon does at start: the newest generation
 * must verify, hold exactly one generation's files, and be at least the last one the writer
 * reported durable; the offsets must be at least the last ones reported saved.
 */
export async function killLoop(
  dir: string,
  kills: number,
  maxMs: number,
  random: () => number = Math.random,
): Promise<KillLoopResult> {
  const result: KillLoopResult = {
    kills: 0,
    written: 0,
    aheadOfReport: 0,
    beforeFirstWrite: 0,
    midWrite: 0,
    damage: [],
    problems: [],
  };
  let nextSeq = 1;
  let durableSeq = 0;
  let durableOffset = -1;
  for (let k = 0; k < kills; k += 1) {
    const firstSeq = nextSeq;
    const { lastWritten, lastSaved } = await runAndKill(
      dir,
      firstSeq,
      Math.floor(random() * maxMs),
    );
    result.kills += 1;
    if (lastWritten < 0) result.beforeFirstWrite += 1;
    else result.written += lastWritten - firstSeq + 1;
    durableSeq = Math.max(durableSeq, lastWritten);
    durableOffset = Math.max(durableOffset, lastSaved);
    const left = await readdir(join(dir, 'generations')).catch(() => [] as string[]);
    if (left.some((entry) => entry.startsWith('.staging-'))) result.midWrite += 1;
    const state = new StateStore({
      dir,
      keep: 3,
      logger: silentLogger,
      onDamage: (report) => result.damage.push(report),
    });
    const loaded = await state.open();
    const seq = Number(loaded?.meta.seq ?? 0);
    if (durableSeq > 0 && loaded === undefined) {
      result.problems.push(`kill ${k}: no state although ${durableSeq} was written`);
    }
    if (loaded !== undefined && !matchesGeneration(loaded.files, seq)) {
      result.problems.push(`kill ${k}: generation ${loaded.generation} mixes files (seq ${seq})`);
    }
    if (seq < durableSeq)
      result.problems.push(`kill ${k}: reloaded ${seq} < durable ${durableSeq}`);
    if (seq > durableSeq) result.aheadOfReport += 1;
    const offsets = new OffsetStore({
      dir,
      logger: silentLogger,
      onDamage: (report) => result.damage.push(report),
    });
    const offset = (await offsets.load()).get('adaptd.sensors/0');
    if (durableOffset >= 0 && (offset === undefined || offset < BigInt(durableOffset))) {
      result.problems.push(`kill ${k}: offset ${offset} < saved ${durableOffset}`);
    }
    // Sequence numbers go on from what is on disk, as a restarted daemon's would.
    nextSeq = Math.max(seq, lastWritten) + 1;
  }
  return result;
}
