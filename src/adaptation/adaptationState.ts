import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { AdaptdError } from '../errors.js';
import { writeFileAtomic } from '../util/atomicFs.js';

const stateSchema = z.object({
  format: z.literal('adaptd-adaptation/1'),
  /** The adapter version serving; null: the source model. */
  champion: z.string().nullable(),
  /** Earlier champions, oldest first: rollback returns to the last one. */
  history: z.array(z.string().nullable()),
  /** Label-free promotions since the last labelled check or reset. */
  labelFreeStreak: z.number().int().nonnegative(),
  frozen: z.boolean(),
});

export type AdaptationState = z.infer<typeof stateSchema>;

export const INITIAL_STATE: AdaptationState = {
  format: 'adaptd-adaptation/1',
  champion: null,
  history: [],
  labelFreeStreak: 0,
  frozen: false,
};

/** Writes the engine's state atomically. */
export async function writeAdaptationState(path: string, state: AdaptationState): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(state, null, 1)}\n`);
}

/** The saved state, or the initial one when there is none; STATE_CORRUPT when unreadable. */
export async function readAdaptationState(path: string): Promise<AdaptationState> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return INITIAL_STATE;
  }
  try {
    return stateSchema.parse(JSON.parse(text));
  } catch (error) {
    throw new AdaptdError('STATE_CORRUPT', `adaptation state ${path} cannot be parsed`, {
      cause: error,
      context: { path },
    });
  }
}
