/**
 * Drives a running daemon with sensor rows at set rates over MQTT QoS 1, phase by phase, and
 * samples what it costs: memory, tensors, queued and dropped rows, unsettled messages, and the
 * lag from a window's last row to its prediction. Used by bench/daemon/load.bench.ts (ten
 * minutes at twice the sustained rate) and by its short version among the tests.
 */
import { readFile } from 'node:fs/promises';
import { connectAsync } from 'mqtt';
import type { Daemon } from '../../src/service/daemon.js';

export interface LoadPhase {
  readonly name: string;
  readonly rowsPerSecond: number;
  readonly seconds: number;
}

/** The daemon under load, in this process or in its own. */
export interface LoadTarget {
  /** http://host:port of its /metrics. */
  readonly base: string;
  /**
   * Calls `listener` with the time stamp of each predicted window's last row, from now on;
   * resolves to what stops it.
   */
  watchPredictions(listener: (windowEnd: number) => void): Promise<() => Promise<void>>;
  /** Its resident set and V8 heap in use, MB (NaN where it cannot be read). */
  memory(exposition: string): Promise<{ rssMb: number; heapMb: number }>;
}

/** A daemon started in this process: predictions from its stream, memory from this process. */
export function inProcessTarget(daemon: Daemon): LoadTarget {
  return {
    base: `http://127.0.0.1:${daemon.httpAddress().port}`,
    watchPredictions(listener) {
      const subscription = daemon.predictions$.subscribe((p) => listener(p.window.to));
      return Promise.resolve(() => Promise.resolve(subscription.unsubscribe()));
    },
    memory() {
      const { rss, heapUsed } = process.memoryUsage();
      return Promise.resolve({ rssMb: rss / 2 ** 20, heapMb: heapUsed / 2 ** 20 });
    },
  };
}

/**
 * `adaptd run` in a process of its own: predictions heard on its MQTT predictions topic,
 * the resident set from /proc/PID/status, the heap from its Node.js metrics when exported.
 */
export function processTarget(options: {
  readonly pid: number;
  readonly base: string;
  readonly url: string;
  readonly predictionsTopic: string;
}): LoadTarget {
  return {
    base: options.base,
    async watchPredictions(listener) {
      const client = await connectAsync(options.url, {
        clientId: `adaptd-load-sub-${process.pid}-${Date.now().toString(36)}`,
        reconnectPeriod: 0,
      });
      client.on('message', (_topic, payload) => {
        const { windowEnd } = JSON.parse(payload.toString('utf8')) as { windowEnd: number };
        listener(windowEnd);
      });
      await client.subscribeAsync(options.predictionsTopic, { qos: 0 });
      return () => client.endAsync();
    },
    async memory(exposition) {
      const status = await readFile(`/proc/${options.pid}/status`, 'utf8');
      const rssKb = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? Number.NaN);
      const heap = /^nodejs_heap_size_used_bytes (\S+)$/m.exec(exposition)?.[1];
      return {
        rssMb: rssKb / 1024,
        heapMb: heap === undefined ? Number.NaN : Number(heap) / 2 ** 20,
      };
    },
  };
}

export interface LoadOptions {
  readonly target: LoadTarget;
  /** The broker and the daemon's sensors topic. */
  readonly url: string;
  readonly topic: string;
  readonly phases: readonly LoadPhase[];
  /** Rows per message (1 sends single samples, more sends batches). */
  readonly rowsPerMessage: number;
  /** Channel values of row i. */
  readonly values: (i: number) => Record<string, number | null>;
  /** How often to sample, in ms. */
  readonly sampleMs?: number;
  /** Called with each sample as it is taken. */
  readonly onSample?: (sample: LoadSample) => void;
}

export interface LoadSample {
  readonly phase: string;
  /** Seconds since the load began. */
  readonly at: number;
  readonly rowsSent: number;
  readonly rowsAccepted: number;
  readonly windows: number;
  /** Rows dropped by a full buffer (adaptd_buffer_dropped_total, every stage). */
  readonly rowsDropped: number;
  readonly bufferedRows: number;
  readonly unsettled: number;
  readonly rssMb: number;
  readonly heapMb: number;
  readonly tensors: number;
  /** Time from sending a window's last row to its prediction, over this interval's windows, ms. */
  readonly lagMsP50: number | null;
  readonly lagMsP99: number | null;
}

export interface LoadPhaseSummary {
  readonly name: string;
  readonly rowsPerSecond: number;
  readonly seconds: number;
  readonly rowsSent: number;
  readonly rowsAccepted: number;
  readonly windows: number;
  readonly rowsDropped: number;
  readonly maxRssMb: number;
  readonly maxTensors: number;
  readonly maxUnsettled: number;
  readonly lagMsP50: number | null;
  readonly lagMsP99: number | null;
}

const MAX_PER_TICK = 500;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const quantile = (sorted: readonly number[], q: number): number | null =>
  sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

/** Sums every series of a metric family in a Prometheus exposition. */
export function metricSum(exposition: string, name: string): number {
  let sum = 0;
  for (const line of exposition.split('\n')) {
    if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) {
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return sum;
}

/**
 * Publishes the phases one after the other, each row stamped with the wall clock time it is
 * due at; the lag of a prediction is the time since its window's last row was sent. Resolves once the last
 * phase has been sent and the daemon has worked off what it took (or `drainMs` passed).
 */
export async function driveLoad(options: LoadOptions, drainMs = 60_000) {
  const { target } = options;
  const base = target.base;
  const client = await connectAsync(options.url, {
    clientId: `adaptd-load-${process.pid}-${Date.now().toString(36)}`,
    reconnectPeriod: 0,
  });
  const lags: number[] = [];
  const phaseLags = new Map<string, number[]>();
  let phase = options.phases[0]?.name ?? 'idle';
  // When each row was handed to the client, by its time stamp, in stamp order; a row is
  // forgotten once a window ends at or after it.
  const sentAt = new Map<number, number>();
  const unwatch = await target.watchPredictions((windowEnd) => {
    const sent = sentAt.get(windowEnd);
    for (const ts of sentAt.keys()) {
      if (ts > windowEnd) break;
      sentAt.delete(ts);
    }
    if (sent === undefined) return;
    const lag = Date.now() - sent;
    lags.push(lag);
    const list = phaseLags.get(phase) ?? [];
    list.push(lag);
    phaseLags.set(phase, list);
  });
  const samples: LoadSample[] = [];
  const began = performance.now();
  let rowsSent = 0;
  let lastTs = Date.now();
  /** Rows in each message sent, in order (short when fewer rows were due in a tick). */
  const messageRows: number[] = [];
  const scrape = async (): Promise<string> => {
    try {
      return await (await fetch(`${base}/metrics`)).text();
    } catch {
      // A kept-alive connection the server closed at that moment: one fresh try.
      return (await fetch(`${base}/metrics`, { headers: { connection: 'close' } })).text();
    }
  };
  const sample = async (): Promise<LoadSample> => {
    const text = await scrape();
    const interval = lags.splice(0).sort((a, b) => a - b);
    const memory = await target.memory(text);
    const taken: LoadSample = {
      phase,
      at: (performance.now() - began) / 1000,
      rowsSent,
      rowsAccepted: Number(
        text.match(/^adaptd_rows_total\{outcome="accepted"\} (\S+)$/m)?.[1] ?? Number.NaN,
      ),
      windows: metricSum(text, 'adaptd_windows_total'),
      rowsDropped: metricSum(text, 'adaptd_buffer_dropped_total'),
      bufferedRows: metricSum(text, 'adaptd_buffer_rows'),
      unsettled: metricSum(text, 'adaptd_unsettled_messages'),
      rssMb: memory.rssMb,
      heapMb: memory.heapMb,
      tensors: metricSum(text, 'adaptd_tensors'),
      lagMsP50: quantile(interval, 0.5),
      lagMsP99: quantile(interval, 0.99),
    };
    samples.push(taken);
    options.onSample?.(taken);
    return taken;
  };
  const sampler = setInterval(() => {
    sample().catch((error: unknown) => {
      process.stderr.write(`load sample failed: ${String(error)}\n`);
    });
  }, options.sampleMs ?? 5_000);
  const summaries: LoadPhaseSummary[] = [];
  try {
    for (const step of options.phases) {
      phase = step.name;
      const before = await sample();
      const phaseStart = performance.now();
      const rowMs = 1000 / step.rowsPerSecond;
      let sentInPhase = 0;
      while (performance.now() - phaseStart < step.seconds * 1000) {
        const due = Math.floor(((performance.now() - phaseStart) / 1000) * step.rowsPerSecond);
        const sends: Promise<unknown>[] = [];
        // The publisher shares the daemon's event loop: it sends at most MAX_PER_TICK messages
        // before yielding, so a rate beyond what one client can publish is not reached rather
        // than stalling the daemon (the rows sent say what was).
        while (sentInPhase < due && sends.length < MAX_PER_TICK) {
          const count = Math.min(options.rowsPerMessage, due - sentInPhase);
          const rows = Array.from({ length: count }, () => {
            // Due times, never repeating or going back even when the clock is behind.
            lastTs = Math.max(lastTs + rowMs, Date.now() - (due - sentInPhase) * rowMs);
            const row = { ts: lastTs, values: options.values(rowsSent) };
            sentAt.set(lastTs, Date.now());
            rowsSent += 1;
            sentInPhase += 1;
            return row;
          });
          messageRows.push(count);
          const payload = JSON.stringify(count === 1 ? rows[0] : { samples: rows });
          sends.push(client.publishAsync(options.topic, payload, { qos: 1 }));
        }
        await Promise.all(sends);
        await sleep(sends.length === MAX_PER_TICK ? 0 : 20);
      }
      const after = await sample();
      const sorted = (phaseLags.get(step.name) ?? []).sort((a, b) => a - b);
      const inPhase = samples.filter((s) => s.phase === step.name);
      summaries.push({
        name: step.name,
        rowsPerSecond: step.rowsPerSecond,
        seconds: step.seconds,
        rowsSent: after.rowsSent - before.rowsSent,
        rowsAccepted: after.rowsAccepted - before.rowsAccepted,
        windows: after.windows - before.windows,
        rowsDropped: after.rowsDropped - before.rowsDropped,
        maxRssMb: Math.max(...inPhase.map((s) => s.rssMb)),
        maxTensors: Math.max(...inPhase.map((s) => s.tensors)),
        maxUnsettled: Math.max(...inPhase.map((s) => s.unsettled)),
        lagMsP50: quantile(sorted, 0.5),
        lagMsP99: quantile(sorted, 0.99),
      });
    }
    // Drained once nothing has moved for a second: the messages still unsettled then hold the
    // tail rows that wait for rows to complete their windows.
    phase = 'drain';
    const drainStart = performance.now();
    let still = 0;
    let previous = await sample();
    while (performance.now() - drainStart < drainMs && still < 5) {
      await sleep(200);
      const now = await sample();
      const moved = now.windows !== previous.windows || now.unsettled !== previous.unsettled;
      // Rows a broker dropped never come, so a stream that stopped moving is drained too.
      still = moved ? 0 : still + 1;
      previous = now;
    }
  } finally {
    clearInterval(sampler);
    await unwatch();
    await client.endAsync();
  }
  const final = samples.at(-1)!;
  // Rows the daemon never took: lost before it (a broker queue overflowing) or still on the way.
  const rowsNotTaken = rowsSent - (final.rowsAccepted - samples[0]!.rowsAccepted);
  return { samples, summaries, final, rowsSent, rowsNotTaken, messageRows };
}

/** How many of the last messages sent (rows per message, in send order) hold the last `rows`. */
export function lastMessagesHolding(messageRows: readonly number[], rows: number): number {
  let held = 0;
  let messages = 0;
  for (let i = messageRows.length - 1; i >= 0 && held < rows; i -= 1) {
    held += messageRows[i]!;
    messages += 1;
  }
  return messages;
}
