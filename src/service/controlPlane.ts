import type { AdaptdConfig } from '../config/loadConfig.js';
import { CommandHandler } from '../control/commandHandler.js';
import type { ControlTarget } from '../control/controlTarget.js';
import type { LabelSink } from '../control/labelSink.js';
import { loadCommandAuth } from '../control/loadCommandAuth.js';
import { ServingControl } from '../control/servingControl.js';
import type { Logger } from '../log.js';
import type { DaemonMetrics } from '../metrics/daemonMetrics.js';
import { OffsetStore, OFFSETS_FILE, offsetsDocument, parseOffsets } from '../state/offsetStore.js';
import { StateStore, type DamageReport, type StateGeneration } from '../state/stateStore.js';
import type { InputEvent } from '../transports/inputSource.js';
import type { OutputSink } from '../transports/outputSink.js';
import { withDeadline } from '../util/deadline.js';
import type { Component } from './lifecycle.js';

/** Part of the daemon whose state goes into each generation, e.g. the learning loop. */
export interface Persisted {
  toJSON(): unknown;
  restore(value: unknown): void;
}

/** What the control plane needs once the daemon's other parts exist (read at start). */
export interface ControlParts {
  output: OutputSink;
  metrics: DaemonMetrics;
  modelVersion: string;
  /** Saved as learning.json in each generation and restored from it. */
  learning?: Persisted;
  /** The adaptation engine, when the daemon runs one; otherwise ServingControl. */
  target?: ControlTarget;
  labels?: LabelSink;
}

const LEARNING_FILE = 'learning.json';
const SERVING_FILE = 'serving.json';
/** How long a stop waits for running commands before the last snapshot is written anyway. */
const STOP_GRACE_MS = 2000;

/**
 * The daemon's state and commands. The `state` component opens the state folder before the
 * transports exist (the Kafka input needs the saved offsets); the `commands` component, started
 * once the learning loop exists, restores it, takes commands from the pipeline and, when it
 * stops after the inputs, writes the last generation.
 */
export class ControlPlane {
  readonly offsets: OffsetStore;
  private readonly store: StateStore;
  private readonly log: Logger;
  private restored: StateGeneration | undefined;
  private handler: CommandHandler | undefined;
  private target: ControlTarget | undefined;
  private parts: ControlParts | undefined;
  private metrics: DaemonMetrics | undefined;
  private readonly damage: DamageReport[] = [];

  constructor(
    private readonly config: AdaptdConfig,
    logger: Logger,
  ) {
    this.log = logger.child({ component: 'control' });
    const onDamage = (report: DamageReport) => this.reportDamage(report);
    this.store = new StateStore({
      dir: config.state.dir,
      keep: config.state.generations,
      logger,
      onDamage,
    });
    this.offsets = new OffsetStore({ dir: config.state.dir, logger, onDamage });
  }

  /**
   * Damaged state set aside (by the state store, the offsets, the adaptation engine): counted
   * in adaptd_state_quarantined_total and published as a state.quarantined event, at once
   * when commands run, else when they start (the outputs may not be up yet).
   */
  reportDamage(report: DamageReport): void {
    this.metrics?.stateQuarantined.inc({ reason: report.reason });
    const output = this.handler === undefined ? undefined : this.parts?.output;
    if (output === undefined) this.damage.push(report);
    else void this.publishDamage(output, report);
  }

  /** The generation restored at start, for parts that keep more state (adapters). */
  restoredState(): StateGeneration | undefined {
    return this.restored;
  }

  stateComponent(metrics: () => DaemonMetrics): Component {
    return {
      name: 'state',
      start: async () => {
        this.metrics = metrics();
        this.restored = await this.store.open();
        const saved = this.restored?.files.get(OFFSETS_FILE);
        const parsed = saved === undefined ? undefined : parseOffsets(saved.toString('utf8'));
        await this.offsets.load(parsed?.ok === true ? parsed.offsets : undefined);
      },
      stop: () => Promise.resolve(),
    };
  }

  commandsComponent(parts: () => ControlParts): Component {
    return {
      name: 'commands',
      start: () => this.startCommands(parts()),
      stop: () => this.stopCommands(),
    };
  }

  /** Hands a command from the pipeline to the handler; settles it once it is answered. */
  onCommand(event: Extract<InputEvent, { stream: 'commands' }>): void {
    const handler = this.handler;
    const settle = () => void event.settle().catch(() => undefined);
    if (handler === undefined) {
      settle();
      return;
    }
    handler.handle(event.payload, event.origin).then(settle, (error: unknown) => {
      this.log.error({ err: error, requestId: event.payload.requestId }, 'command not handled');
      settle();
    });
  }

  /** Writes a generation: the learning state, the Kafka offsets and what serves. */
  async snapshot(): Promise<{ path: string }> {
    const parts = this.parts;
    const status = this.target?.status();
    const files: Record<string, string> = {
      [OFFSETS_FILE]: offsetsDocument(this.offsets.snapshot()),
      [SERVING_FILE]: JSON.stringify({
        modelVersion: parts?.modelVersion ?? null,
        adapterVersion: status?.adapterVersion ?? null,
        frozen: status?.frozen ?? false,
      }),
    };
    if (parts?.learning !== undefined) files[LEARNING_FILE] = JSON.stringify(parts.learning);
    try {
      const written = await this.store.write(files, {
        modelVersion: parts?.modelVersion ?? null,
        adapterVersion: status?.adapterVersion ?? null,
      });
      this.metrics?.stateWrites.inc({ outcome: 'written' });
      this.metrics?.lastStateWrite.set(Date.now() / 1000);
      this.log.info({ generation: written.generation }, 'state written');
      return { path: written.path };
    } catch (error) {
      this.metrics?.stateWrites.inc({ outcome: 'failed' });
      throw error;
    }
  }

  private async startCommands(parts: ControlParts): Promise<void> {
    this.parts = parts;
    this.restore(parts);
    const serving = this.servingFile();
    this.target =
      parts.target ??
      new ServingControl({ snapshot: () => this.snapshot(), frozen: serving?.frozen === true });
    const auth = await loadCommandAuth(this.config.commands);
    if (auth.mode === 'closed') {
      this.log.warn('no command secret configured: every command is refused');
    } else if (auth.mode === 'off') {
      this.log.warn('commands.auth is off: commands are not authenticated');
    }
    this.handler = new CommandHandler({
      target: this.target,
      auth,
      reply: (reply) => parts.output.publish('replies', reply),
      metrics: parts.metrics,
      ...(parts.labels === undefined ? {} : { labels: parts.labels }),
      maxLifetimeMs: this.config.commands.maxLifetimeMs,
      cacheSize: this.config.commands.replyCache,
      logger: this.log,
    });
    for (const report of this.damage.splice(0)) await this.publishDamage(parts.output, report);
  }

  private async publishDamage(output: OutputSink, report: DamageReport): Promise<void> {
    const event = { ts: Date.now(), kind: 'state.quarantined', detail: { ...report } };
    await output.publish('events', event).catch((error: unknown) => {
      this.log.warn({ err: error }, 'state damage event not published');
    });
  }

  private async stopCommands(): Promise<void> {
    const handler = this.handler;
    this.handler = undefined;
    if (handler !== undefined) {
      await withDeadline(handler.idle(), STOP_GRACE_MS, () => undefined);
    }
    await this.snapshot().catch((error: unknown) => {
      this.log.error({ err: error }, 'last state generation not written');
    });
  }

  private restore(parts: ControlParts): void {
    const saved = this.restored?.files.get(LEARNING_FILE);
    if (saved === undefined || parts.learning === undefined) return;
    try {
      parts.learning.restore(JSON.parse(saved.toString('utf8')));
      this.log.info({ generation: this.restored?.generation }, 'learning state restored');
    } catch (error) {
      // Verified bytes that no longer fit (another model): start learning afresh.
      this.log.warn({ err: error }, 'learning state not restored; starting afresh');
    }
  }

  private servingFile(): { frozen?: boolean } | undefined {
    const saved = this.restored?.files.get(SERVING_FILE);
    if (saved === undefined) return undefined;
    try {
      return JSON.parse(saved.toString('utf8')) as { frozen?: boolean };
    } catch {
      return undefined;
    }
  }
}
