import { AdaptdError } from '../../errors.js';
import type { RecordPosition } from './kafkaClient.js';

const OFFSET = /^(0|[1-9][0-9]*)$/;

/**
 * The offsets to commit so that a group resumes just after the given records: one per
 * topic-partition, one past the highest offset seen there. Kafka's committed offset names the
 * next record to read, not the last one read.
 */
export function nextOffsets(records: readonly RecordPosition[]): RecordPosition[] {
  const next = new Map<string, { topic: string; partition: number; offset: bigint }>();
  for (const record of records) {
    if (!OFFSET.test(record.offset)) {
      throw new AdaptdError(
        'INTERNAL',
        `record offset ${JSON.stringify(record.offset)} on ${record.topic}/${record.partition} ` +
          'is not a non-negative decimal integer',
        { context: { topic: record.topic, partition: record.partition, offset: record.offset } },
      );
    }
    const key = `${record.partition}/${record.topic}`;
    const offset = BigInt(record.offset) + 1n;
    const seen = next.get(key);
    if (seen === undefined || offset > seen.offset) {
      next.set(key, { topic: record.topic, partition: record.partition, offset });
    }
  }
  return [...next.values()].map(({ topic, partition, offset }) => ({
    topic,
    partition,
    offset: offset.toString(),
  }));
}
