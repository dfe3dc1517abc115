import type { AdaptdConfig } from '../config/loadConfig.js';
import type { Logger } from '../log.js';
import { Daemon } from './daemon.js';
import { probeHealthz } from './healthProbe.js';
import { describeStop, StopRequest, type SignalSource } from './stopRequest.js';
import { SystemdNotifier } from './systemdNotify.js';
import type { TransportFactory } from './transports.js';

export interface ServeOptions {
  config: AdaptdConfig;
  logger: Logger;
  version: string;
  transports: TransportFactory;
  /**
   * Started once the daemon is ready; when its promise settles the daemon stops (resolved:
   * done; rejected: fatal). The signal aborts when a stop is asked for first.
   */
  whileRunning?: (daemon: Daemon, signal: AbortSignal) => Promise<void>;
  signals?: SignalSource;
  /** A second SIGTERM or SIGINT while stopping; the CLI exits at once. */
  onImpatient?: (signal: NodeJS.Signals) => void;
  /** Tells systemd about readiness, stopping and health; default from NOTIFY_SOCKET. */
  systemd?: SystemdNotifier;
}

/**
 * Runs a daemon until SIGTERM or SIGINT, a fatal failure, or the end of `whileRunning`, then
 * stops it gracefully. Resolves after a signal or the end of the work; rejects with the
 * failure (start or fatal), so the CLI exits with that failure's code. Under systemd
 * (Type=notify) it sends READY=1 once started, feeds the watchdog while /healthz answers
 * healthy, and sends STOPPING=1 before stopping.
 */
export async function serve(options: ServeOptions): Promise<void> {
  const { logger } = options;
  const stop = new StopRequest(logger);
  const unlisten = stop.listen(
    options.signals ?? process,
    options.onImpatient ?? (() => undefined),
  );
  const daemon = new Daemon({
    config: options.config,
    logger,
    version: options.version,
    transports: options.transports,
    onFatal: (error) => stop.request({ kind: 'fatal', error }),
  });
  const systemd = options.systemd ?? new SystemdNotifier({ logger });
  const stopDaemon = async (why: string) => {
    systemd.stopWatchdog();
    await systemd.stopping(`stopping: ${why}`);
    await daemon.stop(why);
  };
  const abort = new AbortController();
  void stop.requested.then(() => abort.abort());
  try {
    const started = daemon.start().then(() => 'started' as const);
    // A signal during start-up stops what has started; the start then rejects as abandoned.
    const first = await Promise.race([started, stop.requested]);
    if (first !== 'started') {
      await stopDaemon(describeStop(first));
      await started.catch(() => undefined);
      if (first.kind === 'fatal') throw first.error;
      return;
    }
    const { host, port } = daemon.httpAddress();
    await systemd.ready(`serving machine ${options.config.machine.id}; metrics on ${host}:${port}`);
    systemd.startWatchdog(() => probeHealthz(daemon.httpAddress()));
    if (options.whileRunning !== undefined) {
      options.whileRunning(daemon, abort.signal).then(
        () => stop.request({ kind: 'done' }),
        (error: unknown) => stop.request({ kind: 'fatal', error }),
      );
    }
    const reason = await stop.requested;
    await stopDaemon(describeStop(reason));
    if (reason.kind === 'fatal') throw reason.error;
  } finally {
    systemd.stopWatchdog();
    await systemd.flush();
    unlisten();
  }
}
