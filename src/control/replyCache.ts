import type { ReplyMessage } from '../transports/messages/replyMessage.js';

/**
 * The latest reply to each recent command, to answer a repeated delivery (QoS 1 and Kafka
 * redeliver) without running the command twice. Bounded: past `capacity` requests the one
 * touched longest ago is forgotten, so a very late repeat runs again unless it has expired,
 * which commands.maxLifetimeMs makes likely.
 */
export class ReplyCache {
  private readonly replies = new Map<string, ReplyMessage>();

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.replies.size;
  }

  get(key: string): ReplyMessage | undefined {
    const reply = this.replies.get(key);
    if (reply !== undefined) {
      // Map keeps insertion order: re-inserting marks it as touched.
      this.replies.delete(key);
      this.replies.set(key, reply);
    }
    return reply;
  }

  has(key: string): boolean {
    return this.replies.has(key);
  }

  /** Records the latest reply of a request, forgetting the oldest request past capacity. */
  set(key: string, reply: ReplyMessage): void {
    this.replies.delete(key);
    this.replies.set(key, reply);
    while (this.replies.size > this.capacity) {
      const oldest = this.replies.keys().next().value;
      if (oldest === undefined) break;
      this.replies.delete(oldest);
    }
  }
}
