import type { LabelMessage } from '../transports/messages/labelMessage.js';

/** An operator's label for a time span, as the `label` command carries it. */
export type LabelSpan = Omit<LabelMessage, 'requestId'> & { requestId: string };

/**
 * Where the `label` command hands its span: the same path as the labels stream (prototypes and
 * the labelled support windows). Resolves with how many windows the span labelled; rejects with
 * an AdaptdError (e.g. COMMAND_REJECTED for a head or class the model does not have).
 */
export interface LabelSink {
  label(span: LabelSpan): Promise<{ windows: number }>;
}
