import type { Operation, ToolCondition, Variant } from './runCatalog.js';

/** Class index maps: a label's index in its list is its class id in every window set. */
export const OPERATIONS: readonly Operation[] = ['face', 'pocket', 'adaptive'];
export const VARIANTS: readonly Variant[] = ['standard', '150025'];
export const TOOLS: readonly ToolCondition[] = ['healthy', 'damaged'];
/** Motion commands as g2core reports them in `momo` (0..3). */
export const MOTIONS = ['G0', 'G1', 'G2', 'G3'] as const;
export type Motion = (typeof MOTIONS)[number];

/**
 * Feed bands of the executing motion. `rapid` is G0, whatever feed is set. The cutting
 * bands follow the commanded feeds that occur in the data (mm/min as the controller
 * reports them, even in inch mode): 185.42 (7.3 in/min, standard pocket and adaptive) is
 * `slow`; 337.82 (13.3 in/min plunge), 400 and 558.8 (22 in/min, standard face) are
 * `medium`; 1016 (40 in/min, every 150025 and damage program) is `fast`. The boundaries
 * sit between those clusters.
 */
export const FEED_BANDS = ['rapid', 'slow', 'medium', 'fast'] as const;
export type FeedBand = (typeof FEED_BANDS)[number];
/** Upper feed bounds (mm/min, exclusive) of `slow` and `medium`. */
export const FEED_BAND_LIMITS = { slow: 300, medium: 800 } as const;

/** Class id of a `momo` value: 0..3 for G0..G3, -1 for unknown or G80 (no motion). */
export function motionClass(momo: number): number {
  return momo >= 0 && momo < MOTIONS.length ? momo : -1;
}

/** Class id in FEED_BANDS for a motion mode and commanded feed; -1 when there is none. */
export function feedBandClass(momo: number, feed: number): number {
  if (momo === 0) return FEED_BANDS.indexOf('rapid');
  if (momo < 1 || momo > 3 || !(feed > 0)) return -1;
  if (feed < FEED_BAND_LIMITS.slow) return FEED_BANDS.indexOf('slow');
  if (feed < FEED_BAND_LIMITS.medium) return FEED_BANDS.indexOf('medium');
  return FEED_BANDS.indexOf('fast');
}
