import { AdaptdError } from '../errors.js';
import type { OutputPayloads } from './messages/payloadSchemas.js';
import type { OutputStream } from './messages/streams.js';
import type { OutputSink } from './outputSink.js';

/**
 * Fans every message out to several sinks (MQTT and Kafka when both are configured). One sink
 * failing does not keep the message from the others; the publish then fails naming each sink
 * that failed, so the caller can count it.
 */
export class MultiOutput implements OutputSink {
  constructor(private readonly sinks: readonly { name: string; sink: OutputSink }[]) {}

  async start(): Promise<void> {
    const started: OutputSink[] = [];
    try {
      for (const { sink } of this.sinks) {
        await sink.start();
        started.push(sink);
      }
    } catch (error) {
      // A half-finished start is undone, newest first.
      for (const sink of started.reverse()) await sink.stop();
      throw error;
    }
  }

  async publish<S extends OutputStream>(stream: S, payload: OutputPayloads[S]): Promise<void> {
    const outcomes = await Promise.allSettled(
      this.sinks.map(({ sink }) => sink.publish(stream, payload)),
    );
    const failed = outcomes.flatMap((outcome, i) =>
      outcome.status === 'rejected'
        ? [{ name: this.sinks[i]?.name, error: outcome.reason as unknown }]
        : [],
    );
    if (failed.length === 0) return;
    const [first] = failed;
    throw new AdaptdError(
      'BROKER_UNAVAILABLE',
      `publishing to ${stream} failed on ${failed.map((f) => f.name).join(', ')}: ` +
        (first?.error instanceof Error ? first.error.message : String(first?.error)),
      {
        cause: first?.error,
        retriable: true,
        context: { stream, failed: failed.map((f) => f.name) },
      },
    );
  }

  /** Stops every sink, newest first, even when one of them fails to stop. */
  async stop(): Promise<void> {
    const errors: unknown[] = [];
    for (const { sink } of [...this.sinks].reverse()) {
      await sink.stop().catch((error: unknown) => errors.push(error));
    }
    if (errors.length > 0) throw errors[0];
  }
}
