/** How target windows are held back for shadow scoring. */
export interface HoldoutPolicy {
  /** Length of a time block in ms. */
  blockMs: number;
  /** Every `every`-th block (by its index since the epoch) is held back; 0 holds none. */
  every: number;
}

export type HoldoutSide = 'adapt' | 'heldBack' | 'boundary';

/**
 * Which side of the split a window [from, to] falls on. Time is cut into blocks of `blockMs`;
 * block b is held back when b mod every = every - 1, so held-back stretches are spread
 * through time and the split is the same on every restart and in every snapshot. Windows
 * overlap, so a window is split by time range, never at random: one that straddles a held
 * block's edge shares rows with both sides and goes to neither (`boundary`).
 */
export function holdoutSide(from: number, to: number, policy: HoldoutPolicy): HoldoutSide {
  const { blockMs, every } = policy;
  if (every <= 0) return 'adapt';
  if (every === 1) return 'heldBack';
  const first = Math.floor(from / blockMs);
  const last = Math.floor(to / blockMs);
  // Over `every` blocks or more, a window covers held and other blocks alike.
  if (last - first >= every) return 'boundary';
  let held = 0;
  for (let block = first; block <= last; block += 1) if (block % every === every - 1) held += 1;
  if (held === 0) return 'adapt';
  return held === last - first + 1 ? 'heldBack' : 'boundary';
}
