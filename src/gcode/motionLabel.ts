import type { LineState } from './modalState.js';

/** The classes of the motion-command head, indexed by motion mode. */
export const MOTION_LABELS = ['G0', 'G1', 'G2', 'G3'] as const;
export type MotionLabel = (typeof MOTION_LABELS)[number];

/**
 * The window label for the motion command a line executes, or undefined when the motion mode
 * is unknown, cancelled or a cycle outside the four classes: such windows get no label rather
 * than a guessed one.
 */
export function motionLabel(state: Pick<LineState, 'motion'>): MotionLabel | undefined {
  return state.motion === undefined ? undefined : MOTION_LABELS[state.motion];
}
