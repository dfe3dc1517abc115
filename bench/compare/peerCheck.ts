import type { Peer } from '../peer/peerProcess.js';

export interface PeerCheck {
  windows: number;
  diffs: Record<string, { maxAbs: number; scale: number }>;
  /** Largest difference relative to max(1, the output's largest magnitude). */
  worst: number;
  tolerance: number;
}

/**
 * Asks the peer to recompute the exported check windows and throws unless every output
 * agrees with TensorFlow.js within `tolerance` (relative to max(1, magnitude)): a bench
 * against a peer that computes something else would compare nothing.
 */
export async function checkPeer(peer: Peer, tolerance = 1e-4): Promise<PeerCheck> {
  const reply = await peer.request<Omit<PeerCheck, 'worst' | 'tolerance'>>({ cmd: 'check' });
  let worst = 0;
  for (const [name, diff] of Object.entries(reply.diffs)) {
    const relative = diff.maxAbs / Math.max(1, diff.scale);
    worst = Math.max(worst, relative);
    if (!(relative <= tolerance)) {
      throw new Error(`the PyTorch peer's ${name} differs from TFJS by ${diff.maxAbs}`);
    }
  }
  return { ...reply, worst, tolerance };
}
