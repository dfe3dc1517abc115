import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import { freePort } from './daemonProcess.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface Broker {
  url: string;
  stop(): Promise<void>;
}

/**
 * The broker the daemon benches use: BENCH_MQTT_URL when set, else a private mosquitto on a
 * free loopback port (as scripts/services/mosquitto.sh starts one), with `extraConfig` lines
 * added to its configuration, stopped by the caller.
 */
export async function benchBroker(extraConfig: readonly string[] = []): Promise<Broker> {
  if (process.env.BENCH_MQTT_URL !== undefined) {
    return { url: process.env.BENCH_MQTT_URL, stop: () => Promise.resolve() };
  }
  const dir = await mkdtemp(join(tmpdir(), 'adaptd-bench-mosquitto-'));
  const port = await freePort();
  await writeFile(
    join(dir, 'mosquitto.conf'),
    [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', ...extraConfig]
      .map((line) => `${line}\n`)
      .join(''),
  );
  const child: ChildProcess = spawn(process.env.MOSQUITTO_BIN ?? 'mosquitto', [
    '-c',
    join(dir, 'mosquitto.conf'),
  ]);
  const url = `mqtt://127.0.0.1:${port}`;
  for (let attempt = 0; ; attempt += 1) {
    try {
      await (await connectAsync(url, { reconnectPeriod: 0 })).endAsync();
      break;
    } catch (error) {
      if (attempt > 50) throw error;
      await sleep(100);
    }
  }
  return {
    url,
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
