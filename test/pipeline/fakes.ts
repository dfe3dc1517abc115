import { Subject } from 'rxjs';
import type { InputEvent, InputSource, Reject } from '../../src/transports/inputSource.js';
import type { OutputPayloads } from '../../src/transports/messages/payloadSchemas.js';
import type { SensorSample } from '../../src/transports/messages/sensorMessage.js';
import type { OutputStream } from '../../src/transports/messages/streams.js';
import type { OutputSink } from '../../src/transports/outputSink.js';

/** An input whose events the test emits; settles are written into a shared journal. */
export class FakeInput implements InputSource {
  readonly transport = 'mqtt' as const;
  readonly events$ = new Subject<InputEvent>();
  readonly rejects$ = new Subject<Reject>();
  private next = 0;

  constructor(private readonly journal: string[]) {}

  start(): Promise<void> {
    return Promise.resolve();
  }

  stopIntake(): Promise<void> {
    this.events$.complete();
    this.rejects$.complete();
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return this.stopIntake();
  }

  /** Emits a sensor message; returns the name its settle writes to the journal. */
  sensors(samples: SensorSample[]): string {
    const name = `sensors#${(this.next += 1)}`;
    const payload = samples.length === 1 ? samples[0]! : { samples };
    this.events$.next({
      stream: 'sensors',
      payload,
      origin: { transport: 'mqtt', topic: 'adaptd/mill-1/sensors' },
      receivedAt: 0,
      settle: this.settle(name),
    });
    return name;
  }

  gcode(ts: number, line: number, text: string): string {
    const name = `gcode#${(this.next += 1)}`;
    this.events$.next({
      stream: 'gcode',
      payload: { ts, line, text },
      origin: { transport: 'mqtt', topic: 'adaptd/mill-1/gcode' },
      receivedAt: 0,
      settle: this.settle(name),
    });
    return name;
  }

  private settle(name: string) {
    return () => {
      this.journal.push(`settle ${name}`);
      return Promise.resolve();
    };
  }
}

/** An output that records what is published, and can be made to hold publications back. */
export class FakeOutput implements OutputSink {
  readonly published: Array<{ stream: OutputStream; payload: unknown }> = [];
  gate: Promise<void> | undefined;

  constructor(private readonly journal: string[]) {}

  async publish<S extends OutputStream>(stream: S, payload: OutputPayloads[S]): Promise<void> {
    await this.gate;
    this.published.push({ stream, payload });
    if (stream === 'predictions') {
      const p = payload as OutputPayloads['predictions'];
      this.journal.push(`publish ${p.windowStart}-${p.windowEnd}`);
    }
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }
}
