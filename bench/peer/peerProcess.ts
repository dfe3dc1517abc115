/**
 * The PyTorch peer (bench/peer/peer.py) as a child process spoken to one JSON line at a time,
 * so that a bench can alternate its own measurement with the peer's in one run.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The interpreter with Debian's python3-torch: the system one, not whatever is first on PATH. */
export const PEER_PYTHON = process.env.ADAPTD_PEER_PYTHON ?? '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./peer.py', import.meta.url));

/** Why the peer cannot run here, or undefined when torch imports. */
export function peerUnavailable(): string | undefined {
  const probe = spawnSync(PEER_PYTHON, ['-c', 'import torch, numpy'], { encoding: 'utf8' });
  if (probe.error !== undefined) return `${PEER_PYTHON} cannot run: ${probe.error.message}`;
  if (probe.status !== 0) {
    return (
      `${PEER_PYTHON} has no torch/numpy (install with ` +
      `scripts/services/install-bench-tools.sh): ${probe.stderr.trim().split('\n').pop()}`
    );
  }
  return undefined;
}

export interface PeerTiming {
  wall: number;
  cpu: number;
}

/**
 * Which libblas.so.3 Debian's torch does its products with: OpenBLAS (what an optimised
 * install gives) or the reference BLAS (what python3-torch alone pulls in).
 */
export type PeerBlas = 'openblas' | 'reference';

const BLAS_DIRS: Record<PeerBlas, string> = {
  openblas: '/usr/lib/x86_64-linux-gnu/openblas-pthread',
  reference: '/usr/lib/x86_64-linux-gnu/blas',
};

/** OpenBLAS where install-bench-tools.sh put it, else the reference BLAS torch came with. */
export function availableBlas(): PeerBlas {
  return existsSync(`${BLAS_DIRS.openblas}/libblas.so.3`) ? 'openblas' : 'reference';
}

export interface Peer {
  torch: string;
  blas: PeerBlas;
  /** The libblas the peer process has mapped, as it reports it. */
  blasLibrary: string;
  request<T>(request: Record<string, unknown>): Promise<T>;
  stop(): Promise<void>;
}

export async function startPeer(folder: string, blas: PeerBlas = 'openblas'): Promise<Peer> {
  const child = spawn(PEER_PYTHON, [SCRIPT, folder], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: {
      ...process.env,
      OMP_NUM_THREADS: '1',
      MKL_NUM_THREADS: '1',
      OPENBLAS_NUM_THREADS: '1',
      LD_LIBRARY_PATH: BLAS_DIRS[blas],
    },
  });
  const lines = createInterface({ input: child.stdout });
  const pending: ((line: string) => void)[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  lines.on('line', (line) => pending.shift()?.(line));
  const next = () =>
    new Promise<string>((resolve, reject) => {
      pending.push(resolve);
      void exited.then((code) => reject(new Error(`the PyTorch peer exited with ${code}`)));
    });
  const hello = JSON.parse(await next()) as { torch: string; blas: string };
  const expected = blas === 'openblas' ? 'openblas-pthread/libblas.so' : '/blas/libblas.so';
  if (!hello.blas.includes(expected)) {
    child.kill();
    throw new Error(`the ${blas} peer mapped ${hello.blas}; run install-bench-tools.sh`);
  }
  return {
    torch: hello.torch,
    blas,
    blasLibrary: hello.blas,
    async request<T>(request: Record<string, unknown>): Promise<T> {
      const reply = next();
      child.stdin.write(`${JSON.stringify(request)}\n`);
      const parsed = JSON.parse(await reply) as T & { error?: string };
      if (parsed.error !== undefined) throw new Error(`PyTorch peer: ${parsed.error}`);
      return parsed;
    },
    async stop() {
      child.stdin.end(`${JSON.stringify({ cmd: 'quit' })}\n`);
      await exited;
    },
  };
}
