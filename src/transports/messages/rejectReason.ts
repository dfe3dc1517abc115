/**
 * Why an incoming message was refused. A closed set, so that the reject counter's label has
 * bounded values and README can document each one.
 */
export const REJECT_REASONS = {
  too_large: 'the payload is over the size limit (messages.maxBytes)',
  encoding: 'the payload is not valid UTF-8 text',
  json: 'the payload is not JSON',
  non_finite: 'a number in the payload overflows to Infinity (e.g. 1e999)',
  schema: "the payload does not match its stream's schema",
  timestamp: 'a time is before 2000, too far ahead of the receiving clock, or out of order',
  unknown_stream: 'the topic names no input stream',
  key: 'a Kafka record has no machine id as its key',
  label: 'a label names a head or class the model in service does not have, or a reversed range',
} as const;

export type RejectReason = keyof typeof REJECT_REASONS;

export const REJECT_REASON_NAMES = Object.keys(REJECT_REASONS) as RejectReason[];
