/**
 * `adaptd run` in a process of its own, as production runs it, for the benchmarks that must
 * not share its CPU or event loop: a free HTTP port, its resident set and CPU time from /proc,
 * and a wait for /readyz. The child is killed when the bench process exits, however it exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * This process's Node flags (the tsx loader) for a bench child, without the test runner's and
 * the CPU profiler's, which belong to this process only.
 */
export function childNodeFlags(): string[] {
  return process.execArgv.filter((f) => !f.startsWith('--test') && !f.startsWith('--cpu'));
}

/** User + system CPU seconds of a process so far (/proc/PID/stat, clock ticks of 1/100 s). */
export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** A process's resident set in MB (/proc/PID/status). */
export async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? Number.NaN) / 1024;
}

export interface DaemonProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** http://127.0.0.1:PORT of its metrics and health. */
  readonly base: string;
  readonly exited: Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts `adaptd run` with `env` over this process's environment (the HTTP port chosen here)
 * and resolves once /readyz answers 200, or rejects after `readyMs`.
 */
export async function startDaemonProcess(
  env: Record<string, string>,
  readyMs = 120_000,
): Promise<DaemonProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [...process.execArgv, 'src/cli/main.ts', 'run'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, ADAPTD_HTTP_HOST: '127.0.0.1', ADAPTD_HTTP_PORT: String(port), ...env },
  });
  process.once('exit', () => child.kill());
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const base = `http://127.0.0.1:${port}`;
  const until = performance.now() + readyMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the daemon exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${base}/readyz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (performance.now() > until) throw new Error(`the daemon was not ready in ${readyMs} ms`);
    await sleep(200);
  }
  return { child, pid: child.pid!, base, exited };
}
