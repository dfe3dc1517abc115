/**
 * The part of Kafka that adaptd uses, kept behind one interface so that the client library can
 * be swapped (kafkajs 2.2.4 predates Kafka 4) without touching the daemon.
 *
 * Delivery is at least once: a subscription commits nothing by itself, so a record is read again
 * after a restart until its caller has committed it.
 */
import type { AdaptdError } from '../../errors.js';

/** A record to publish. The key picks the partition, so records with one key stay in order. */
export interface OutgoingRecord {
  readonly key: string;
  readonly value: Buffer | string;
}

/** Where a record sits in the log. Offsets are decimal strings because they can pass 2^53. */
export interface RecordPosition {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

export interface IncomingRecord extends RecordPosition {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** When the producer (or the broker, by topic setting) stamped it, in ms since the epoch. */
  readonly timestamp: number;
}

export interface TopicSpec {
  readonly topic: string;
  readonly partitions: number;
}

export interface SubscribeOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  /** Where a group without a committed offset starts: the oldest record, or only new ones. */
  readonly fromBeginning: boolean;
  /**
   * How long the group waits for a silent member before reassigning its partitions (ms); a
   * killed daemon's restart waits up to this long for its partitions.
   */
  readonly sessionTimeoutMs?: number;
  /** Called once if the member failed for good and will not rejoin; the caller restarts it. */
  readonly onFailure?: (error: AdaptdError) => void;
  /**
   * Called when the member learns that the group is rebalancing, before it rejoins: the moment
   * to commit what is finished, since it may lose its partitions.
   */
  readonly onRebalancing?: () => void;
  /**
   * Called each time the member has joined the group, before any record of the new assignment is
   * handled. After a (re)join every assigned partition is read again from its committed offset,
   * so records handled but not committed before arrive a second time.
   */
  readonly onAssignment?: (partitions: readonly PartitionRef[]) => void;
  /**
   * Called with false when the member lost the brokers and is restarting (it retries by
   * itself), and with true when it fetches or heartbeats again.
   */
  readonly onReachable?: (reachable: boolean) => void;
}

export interface PartitionRef {
  readonly topic: string;
  readonly partition: number;
}

/**
 * Receives each record in partition order. A handler that throws has its record delivered
 * again; it should commit only what it has finished with.
 */
export type RecordHandler = (record: IncomingRecord) => Promise<void>;

/** One running member of a consumer group. */
export interface KafkaSubscription {
  /** Moves the group's committed position just past each record given, per partition. */
  commit(records: readonly RecordPosition[]): Promise<void>;
  /** Leaves the group without committing, so the group rebalances at once. */
  stop(): Promise<void>;
}

export interface KafkaClient {
  connect(): Promise<void>;
  /** Creates the topics that do not exist yet; existing ones are left as they are. */
  ensureTopics(topics: readonly TopicSpec[]): Promise<void>;
  /** Resolves once every record is acknowledged by the partition leader and its replicas. */
  produce(topic: string, records: readonly OutgoingRecord[]): Promise<void>;
  subscribe(options: SubscribeOptions, handler: RecordHandler): Promise<KafkaSubscription>;
  /** Stops every subscription, then closes the connections. Safe to call twice. */
  disconnect(): Promise<void>;
}
