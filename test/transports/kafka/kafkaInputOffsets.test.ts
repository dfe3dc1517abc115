import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../../src/log.js';
import type {
  IncomingRecord,
  KafkaClient,
  KafkaSubscription,
  RecordHandler,
  RecordPosition,
} from '../../../src/transports/kafka/kafkaClient.js';
import { KafkaInput, type ProcessedOffsets } from '../../../src/transports/kafka/kafkaInput.js';
import type { InputEvent } from '../../../src/transports/inputSource.js';
import { KafkaTopics } from '../../../src/transports/messages/topics.js';

const TOPIC = 'adaptd.gcode';
const NOW = 1_780_000_000_000;

/** A Kafka client whose records the test hands in, and that journals saves and commits. */
class FakeClient implements KafkaClient {
  handler: RecordHandler | undefined;
  constructor(private readonly journal: string[]) {}
  connect = () => Promise.resolve();
  ensureTopics = () => Promise.resolve();
  produce = () => Promise.resolve();
  disconnect = () => Promise.resolve();
  subscribe(_options: unknown, handler: RecordHandler): Promise<KafkaSubscription> {
    this.handler = handler;
    return Promise.resolve({
      commit: (records: readonly RecordPosition[]) => {
        this.journal.push(`commit ${records.map((r) => r.offset).join(',')}`);
        return Promise.resolve();
      },
      stop: () => Promise.resolve(),
    });
  }
}

function record(offset: number): IncomingRecord {
  return {
    topic: TOPIC,
    partition: 0,
    offset: String(offset),
    key: Buffer.from('mill-1'),
    value: Buffer.from(JSON.stringify({ ts: NOW + offset, line: offset, text: 'G1 X1' })),
    timestamp: NOW,
  };
}

describe('KafkaInput with saved offsets', () => {
  it('skips records at or below the saved offset and saves before it commits', async () => {
    const journal: string[] = [];
    const saved = new Map([[`${TOPIC}/0`, 2n]]);
    const offsets: ProcessedOffsets = {
      processed: (topic, partition) => saved.get(`${topic}/${partition}`),
      save: (positions) => {
        for (const p of positions) {
          const key = `${p.topic}/${p.partition}`;
          // As OffsetStore does: a skipped record settles too, and never moves the offset back.
          if ((saved.get(key) ?? -1n) < BigInt(p.offset)) saved.set(key, BigInt(p.offset));
        }
        journal.push(`save ${positions.map((p) => p.offset).join(',')}`);
        return Promise.resolve();
      },
    };
    const client = new FakeClient(journal);
    let skipped = 0;
    const input = new KafkaInput({
      client,
      topics: new KafkaTopics('adaptd'),
      machine: 'mill-1',
      groupId: 'g',
      fromBeginning: true,
      offsets,
      onRedelivered: () => (skipped += 1),
      logger: silentLogger,
      now: () => NOW,
    });
    const events: InputEvent[] = [];
    input.events$.subscribe((event) => events.push(event));
    await input.start();
    for (const offset of [0, 1, 2, 3, 4]) await client.handler!(record(offset));
    assert.equal(skipped, 3, 'offsets 0, 1 and 2 skipped');
    assert.deepEqual(
      events.map((e) => e.origin.offset),
      ['3', '4'],
    );
    await events[0]!.settle();
    await events[1]!.settle();
    assert.equal(saved.get(`${TOPIC}/0`), 4n);
    const saveOf4 = journal.indexOf('save 4');
    const commitOf4 = journal.findIndex((line) => line.startsWith('commit') && line.includes('4'));
    assert.ok(saveOf4 >= 0 && commitOf4 > saveOf4, `saved before committed: ${journal.join('; ')}`);
    await input.stop();
  });
});
