import { Subject } from 'rxjs';
import type { Logger } from '../../log.js';
import type { InputEvent, InputOrigin, InputSource, Reject, Settle } from '../inputSource.js';
import { INPUT_STREAMS, type InputStream } from '../messages/streams.js';
import type { KafkaTopics } from '../messages/topics.js';
import {
  DEFAULT_LIMITS,
  validateMessage,
  type MessageLimits,
} from '../messages/validateMessage.js';
import { SettleLedger } from '../settleLedger.js';
import { CommitQueue } from './commitQueue.js';
import type {
  IncomingRecord,
  KafkaClient,
  KafkaSubscription,
  PartitionRef,
  RecordPosition,
} from './kafkaClient.js';

/**
 * The last offset per partition whose effect is persisted beside the daemon's state. Saved
 * before each commit to the broker; records at or below it are skipped when they come again,
 * since a crash between the two leaves the broker's committed offset behind.
 */
export interface ProcessedOffsets {
  processed(topic: string, partition: number): bigint | undefined;
  save(positions: readonly RecordPosition[]): Promise<void>;
}

export interface KafkaInputOptions {
  /** Owned by the input: connected in start(), disconnected in stop(). */
  readonly client: KafkaClient;
  readonly topics: KafkaTopics;
  /** Records keyed with another machine's id are skipped (and committed). */
  readonly machine: string;
  /** One group per machine, so each machine's daemon reads every record once. */
  readonly groupId: string;
  readonly fromBeginning: boolean;
  /** The group session timeout (ms); the client's default when unset. */
  readonly sessionTimeoutMs?: number;
  readonly streams?: readonly InputStream[];
  /** Partitions of an input topic that does not exist yet. */
  readonly partitions?: number;
  /**
   * Most records emitted and not yet settled; past it the input stops reading until settles
   * catch up, which bounds what the pipeline can be handed.
   */
  readonly maxUnsettled?: number;
  readonly limits?: MessageLimits;
  /** Persisted offsets: saved before committing, and records at or below them skipped. */
  readonly offsets?: ProcessedOffsets;
  /** A record was skipped as already processed (see `offsets`). */
  readonly onRedelivered?: () => void;
  readonly logger: Logger;
  readonly now?: () => number;
}

const partitionKey = (topic: string, partition: number) => `${topic}/${partition}`;

/**
 * Input from Kafka: `<prefix>.<stream>` topics in a consumer group of this machine, offsets
 * committed only for settled records, in order per partition. A rebalance re-reads every
 * assigned partition from its committed offset, so records in flight then come again: consumers
 * must tolerate repeats (at-least-once).
 */
export class KafkaInput implements InputSource {
  readonly transport = 'kafka' as const;
  private readonly events = new Subject<InputEvent>();
  private readonly rejects = new Subject<Reject>();
  readonly events$ = this.events.asObservable();
  readonly rejects$ = this.rejects.asObservable();
  private readonly logger: Logger;
  private readonly maxUnsettled: number;
  private readonly now: () => number;
  private readonly ledgers = new Map<string, SettleLedger<RecordPosition>>();
  /** The last released position per partition, committed again on rebalance and stop. */
  private readonly released = new Map<string, RecordPosition>();
  private readonly commits: CommitQueue;
  /** Saves to `offsets`, apart from the commits so that a slow broker does not delay them. */
  private readonly saves: CommitQueue | undefined;
  private subscription: KafkaSubscription | undefined;
  private capacity: { wait: Promise<void>; open: () => void } | undefined;
  private intake = true;
  private stopped = false;
  private failed = false;
  private reachable = true;

  constructor(private readonly options: KafkaInputOptions) {
    this.logger = options.logger.child({ component: 'kafka-input', group: options.groupId });
    this.maxUnsettled = options.maxUnsettled ?? 10_000;
    this.now = options.now ?? Date.now;
    this.commits = new CommitQueue((positions) => this.commit(positions));
    const offsets = options.offsets;
    if (offsets !== undefined) this.saves = new CommitQueue((positions) => offsets.save(positions));
  }

  async start(): Promise<void> {
    const { client, topics, groupId, fromBeginning, partitions, sessionTimeoutMs } = this.options;
    const names = (this.options.streams ?? INPUT_STREAMS).map((stream) => topics.topic(stream));
    await client.connect();
    try {
      await client.ensureTopics(names.map((topic) => ({ topic, partitions: partitions ?? 3 })));
      this.subscription = await client.subscribe(
        {
          groupId,
          topics: names,
          fromBeginning,
          ...(sessionTimeoutMs === undefined ? {} : { sessionTimeoutMs }),
          onFailure: (error) => {
            this.failed = true;
            this.events.error(error);
          },
          onRebalancing: () => void this.commitReleased('rebalance'),
          onAssignment: (assigned) => this.reassigned(assigned),
          onReachable: (reachable) => {
            if (reachable === this.reachable) return;
            this.reachable = reachable;
            if (reachable) this.logger.info('kafka brokers reachable again');
            else this.logger.warn('kafka brokers lost; the consumer restarts and retries');
          },
        },
        (record) => this.receive(record),
      );
    } catch (error) {
      await client.disconnect();
      throw error;
    }
  }

  /**
   * Whether the group member is running and reaching the brokers: started, not failed for good,
   * not restarting after losing them, and not stopped.
   */
  isConnected(): boolean {
    return this.subscription !== undefined && this.reachable && !this.failed && !this.stopped;
  }

  stopIntake(): Promise<void> {
    if (this.intake) {
      this.intake = false;
      this.capacity?.open();
      this.events.complete();
      this.rejects.complete();
    }
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    await this.stopIntake();
    if (this.stopped) return;
    this.stopped = true;
    await this.commitReleased('shutdown');
    await this.subscription?.stop();
    await this.options.client.disconnect();
    this.logger.info({ unsettled: this.unsettled() }, 'kafka input stopped');
  }

  private async receive(record: IncomingRecord): Promise<void> {
    while (this.intake && this.unsettled() >= this.maxUnsettled) await this.waitForCapacity();
    // After stopIntake nothing is recorded, so nothing at or past this record is committed.
    if (!this.intake) return;
    const key = partitionKey(record.topic, record.partition);
    let ledger = this.ledgers.get(key);
    if (ledger === undefined) {
      ledger = new SettleLedger<RecordPosition>();
      this.ledgers.set(key, ledger);
    }
    const position = { topic: record.topic, partition: record.partition, offset: record.offset };
    const ticket = ledger.add(position);
    const settle = this.settler(key, ledger, ticket);
    const processed = this.options.offsets?.processed(record.topic, record.partition);
    if (processed !== undefined && BigInt(record.offset) <= processed) {
      // Its effect is already saved: a redelivery after a crash or a rebalance.
      this.options.onRedelivered?.();
      settle().catch((error: unknown) => {
        this.logger.warn({ err: error }, 'kafka offsets not committed');
      });
      return;
    }
    const machine = record.key?.toString('utf8');
    if (machine !== undefined && machine !== this.options.machine) {
      // Another machine's record: not ours to process, but ours to move past.
      settle().catch((error: unknown) => {
        this.logger.warn({ err: error }, 'kafka offsets not committed');
      });
      return;
    }
    const origin: InputOrigin = { transport: 'kafka', ...position };
    const receivedAt = this.now();
    const raw = record.value ?? new Uint8Array(0);
    const stream = this.options.topics.inputStream(record.topic);
    if (stream === undefined || machine === undefined) {
      this.rejects.next({
        reason: stream === undefined ? 'unknown_stream' : 'key',
        detail:
          stream === undefined
            ? `topic ${record.topic} names no input stream`
            : `record has no key; key it with the machine id ${this.options.machine}`,
        ...(stream === undefined ? {} : { stream }),
        origin,
        receivedAt,
        raw,
        settle,
      });
      return;
    }
    const result = validateMessage(stream, raw, this.options.limits ?? DEFAULT_LIMITS, receivedAt);
    if (!result.ok) {
      const { reason, detail } = result;
      this.rejects.next({ reason, detail, stream, origin, receivedAt, raw, settle });
      return;
    }
    this.events.next({
      stream: result.stream,
      payload: result.payload,
      origin,
      receivedAt,
      settle,
    } as InputEvent);
  }

  private settler(key: string, ledger: SettleLedger<RecordPosition>, ticket: number): Settle {
    return () => {
      const released = ledger.settle(ticket);
      const last = released.at(-1);
      if (last === undefined) return Promise.resolve();
      this.released.set(key, last);
      if (this.unsettled() < this.maxUnsettled) this.capacity?.open();
      // Saved first: a crash after the commit and before the save would leave nothing to skip.
      if (this.saves === undefined) return this.commits.add([last]);
      return this.saves.add([last]).then(() => this.commits.add([last]));
    };
  }

  private unsettled(): number {
    let count = 0;
    for (const ledger of this.ledgers.values()) count += ledger.size;
    return count;
  }

  private waitForCapacity(): Promise<void> {
    if (this.capacity === undefined) {
      let open: () => void = () => undefined;
      const wait = new Promise<void>((resolve) => (open = resolve));
      this.capacity = {
        wait,
        open: () => {
          this.capacity = undefined;
          open();
        },
      };
    }
    return this.capacity.wait;
  }

  /**
   * A new assignment: every assigned partition is read again from its committed offset, so what
   * was delivered and not yet committed is forgotten; settling it later commits nothing, which
   * also keeps a partition now read by another member from being moved by this one.
   */
  private reassigned(assigned: readonly PartitionRef[]): void {
    let dropped = 0;
    for (const ledger of this.ledgers.values()) dropped += ledger.close();
    this.ledgers.clear();
    this.released.clear();
    this.commits.discard();
    this.capacity?.open();
    this.logger.info({ partitions: assigned.length, dropped }, 'kafka input assigned partitions');
  }

  private async commitReleased(why: 'rebalance' | 'shutdown'): Promise<void> {
    const positions = [...this.released.values()];
    try {
      await this.saves?.flush();
      await this.commits.add(positions);
      await this.commits.flush();
    } catch (error) {
      // What is not committed is read again: a repeat, never a loss.
      this.logger.warn({ err: error, why }, 'kafka offsets not committed');
    }
  }

  private async commit(positions: readonly RecordPosition[]): Promise<void> {
    if (this.subscription === undefined) return;
    await this.subscription.commit(positions);
    this.logger.debug({ positions }, 'kafka offsets committed');
  }
}
