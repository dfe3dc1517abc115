import { shuffled } from '../../util/random.js';

/**
 * Draws indices in shuffled passes over `pool`, reshuffling whenever a pass ends, so
 * a small set (a few support windows) recurs while a large one streams past.
 */
export function indexCycler(
  pool: readonly number[],
  random: () => number,
): (count: number) => number[] {
  let order = shuffled(pool, random);
  let at = 0;
  return (count) => {
    const out: number[] = [];
    while (out.length < count) {
      if (at === order.length) {
        order = shuffled(pool, random);
        at = 0;
      }
      out.push(order[at]!);
      at += 1;
    }
    return out;
  };
}
