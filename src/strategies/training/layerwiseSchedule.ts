import { AdaptdError } from '../../errors.js';
import { encoderGroups, headGroup, type ModelConfig } from '../../model/modelConfig.js';

/**
 * The layer units of fine-tuning in forward order: each encoder group (input
 * projections, fusion, each block with its adapter slot, recurrent layer, pooling),
 * then the task's head. A unit is the thing that gets one rate and unfreezes at once.
 */
export function layerUnits(config: ModelConfig, head: string): string[][] {
  return [
    ...encoderGroups(config).map((group) =>
      group.startsWith('block') ? [group, `adapter.${group}`] : [group],
    ),
    [headGroup(head)],
  ];
}

/**
 * Layer-wise learning-rate decay: the peak rate of every group, the top unit at
 * `base` and each unit below at `decay` times the one above (ULMFiT divides by 2.6
 * between neighbours, i.e. decay = 1 / 2.6). units in forward order.
 */
export function layerwiseRates(
  units: readonly (readonly string[])[],
  base: number,
  decay: number,
): Record<string, number> {
  if (!(decay > 0 && decay <= 1)) {
    throw new AdaptdError('CONFIG_INVALID', `layer-wise decay is ${decay}; allowed: (0, 1]`);
  }
  if (!(base > 0)) {
    throw new AdaptdError('CONFIG_INVALID', `learning rate is ${base}; allowed: > 0`);
  }
  const rates: Record<string, number> = {};
  units.forEach((unit, index) => {
    const depth = units.length - 1 - index;
    for (const group of unit) rates[group] = base * decay ** depth;
  });
  return rates;
}

/** From step `start` on, `groups` train (and all groups of the stages before). */
export interface UnfreezeStage {
  start: number;
  groups: string[];
}

/**
 * Top-down gradual unfreezing: the first stage trains the top unit (the head), each
 * later stage adds the next unit down, and stages split the steps evenly. With fewer
 * steps than units the lowest units never unfreeze (one step per stage at least).
 */
export function unfreezingSchedule(
  units: readonly (readonly string[])[],
  steps: number,
): UnfreezeStage[] {
  if (units.length === 0) {
    throw new AdaptdError('CONFIG_INVALID', 'gradual unfreezing needs at least one layer group');
  }
  if (!Number.isInteger(steps) || steps < 1) {
    throw new AdaptdError('CONFIG_INVALID', `unfreezing over ${steps} steps; allowed: >= 1`);
  }
  const stages = Math.min(units.length, steps);
  return Array.from({ length: stages }, (_, k) => ({
    start: Math.floor((k * steps) / stages),
    groups: units.slice(units.length - 1 - k).flat(),
  }));
}
