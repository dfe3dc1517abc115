import { z } from 'zod';
import { AdaptdError } from '../errors.js';

const plannedChange = z.enum(['program', 'tool']);
const count = z.number().int().nonnegative();

/** A drift monitor's state as persisted between restarts. */
export const driftMonitorStateSchema = z.object({
  format: z.literal('adaptd-drift-monitor/1'),
  /** The calibration it was saved against: a state is only valid with the same one. */
  ert: z.number().int(),
  window: z.number().int(),
  threshold: z.number(),
  referenceSize: z.number().int(),
  steps: count,
  /** The window's embeddings, oldest first. */
  recent: z.array(z.array(z.number())),
  programId: z.string().optional(),
  tool: z.string().optional(),
  lastChange: z.object({ kind: plannedChange, step: count }).optional(),
  episode: z.object({ explained: plannedChange.optional(), quiet: count }).optional(),
  detections: z.object({ machine: count, program: count, tool: count }),
});

export type DriftMonitorState = z.infer<typeof driftMonitorStateSchema>;

/** The calibration a state has to match. */
export type StateKey = Pick<DriftMonitorState, 'ert' | 'window' | 'threshold' | 'referenceSize'>;

/**
 * Parses a persisted monitor state and checks it was saved against `expected`; throws
 * STATE_CORRUPT naming what is wrong, since a window compared against other thresholds or
 * another reference would raise or hide alarms.
 */
export function parseMonitorState(value: unknown, expected: StateKey): DriftMonitorState {
  const parsed = driftMonitorStateSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AdaptdError(
      'STATE_CORRUPT',
      `drift monitor state does not parse at ${issue?.path.join('.') ?? '?'}: ${issue?.message}`,
    );
  }
  const state = parsed.data;
  const keys = ['ert', 'window', 'threshold', 'referenceSize'] as const;
  const differing = keys.filter((key) => state[key] !== expected[key]);
  if (differing.length > 0) {
    throw new AdaptdError(
      'STATE_CORRUPT',
      `drift monitor state was saved for another calibration: ` +
        differing.map((key) => `${key} ${state[key]} (now ${expected[key]})`).join(', '),
      { context: { differing } },
    );
  }
  if (state.recent.length > state.window || state.recent.length > state.steps) {
    throw new AdaptdError(
      'STATE_CORRUPT',
      `drift monitor state holds ${state.recent.length} recent embeddings after ` +
        `${state.steps} steps; at most min(steps, window ${state.window}) are possible`,
    );
  }
  return state;
}
