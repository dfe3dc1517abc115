import { AdaptdError, isAdaptdError } from '../errors.js';
import type { Logger } from '../log.js';
import type { DaemonMetrics } from '../metrics/daemonMetrics.js';
import type { InputOrigin } from '../transports/inputSource.js';
import type { CommandMessage } from '../transports/messages/commandMessage.js';
import type { ReplyMessage, ReplyStatus } from '../transports/messages/replyMessage.js';
import type { CommandAuth } from './commandAuth.js';
import { COMMAND_NAMES, isCommandName, parseArgs, type CommandArgs } from './commandArgs.js';
import type { CommandName } from './commandArgs.js';
import type { ControlTarget } from './controlTarget.js';
import type { LabelSink } from './labelSink.js';
import { ReplyCache } from './replyCache.js';

/** Why a command was refused before it ran: the reply's `reason`, a bounded metric label. */
export const REFUSAL_REASONS = [
  'retained',
  'unauthenticated',
  'invalid',
  'unknown_command',
  'busy',
  'unavailable',
  'refused',
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

export interface CommandHandlerOptions {
  target: ControlTarget;
  auth: CommandAuth;
  /** Publishes a reply on the replies stream; resolves once the broker has it. */
  reply: (reply: ReplyMessage) => Promise<void>;
  metrics: Pick<DaemonMetrics, 'commands' | 'commandsRejected'>;
  /** Where `label` spans go; without one the command is refused as unavailable. */
  labels?: LabelSink;
  /** Furthest ahead a command's expiresAt may lie, in ms. */
  maxLifetimeMs: number;
  /** Requests whose latest reply is kept for repeats. */
  cacheSize: number;
  logger: Logger;
  now?: () => number;
}

interface Outcome {
  status: Extract<ReplyStatus, 'succeeded' | 'failed' | 'rejected'>;
  reason?: string;
  detail?: Record<string, unknown>;
}

/**
 * Takes control commands from the commands stream and drives the ControlTarget. In order: a
 * retained delivery is refused, the signature is checked, a repeated request id is answered
 * with its latest reply, an expired command is answered `expired`, the command and its
 * arguments are validated, a second adaptation is refused as busy. A command that passes is
 * answered `accepted`, then `in_progress`, then `succeeded` or `failed` (or `rejected` when the
 * target refuses it, e.g. busy or not available). Nothing changes before `accepted`.
 */
export class CommandHandler {
  private readonly cache: ReplyCache;
  private readonly running = new Set<Promise<void>>();
  private readonly now: () => number;
  private readonly log: Logger;
  private adapting = false;

  constructor(private readonly options: CommandHandlerOptions) {
    this.cache = new ReplyCache(options.cacheSize);
    this.now = options.now ?? Date.now;
    this.log = options.logger.child({ component: 'commands' });
  }

  /**
   * Decides on one command and publishes the first reply. Resolves once the command is refused,
   * answered from the cache or accepted; an accepted command runs on (see `idle`).
   */
  async handle(command: CommandMessage, origin: InputOrigin): Promise<void> {
    const name = isCommandName(command.command) ? command.command : undefined;
    if (origin.retained === true) {
      // Never cached: the sender must publish it again, unretained, to have it run.
      await this.refuse(command, 'retained', 'retained commands are never run', false);
      return;
    }
    const auth = this.options.auth.check(command);
    if (!auth.ok) {
      // Not cached either, so a forged command cannot block a real one's request id.
      await this.refuse(command, 'unauthenticated', auth.detail, false);
      return;
    }
    const key = `${auth.client ?? ''}\u0000${command.requestId}`;
    const earlier = this.cache.get(key);
    if (earlier !== undefined) {
      this.options.metrics.commands.inc({ command: name ?? 'unknown', outcome: 'duplicate' });
      this.log.info({ requestId: command.requestId, status: earlier.status }, 'repeated command');
      await this.send({ ...earlier, ts: this.now() }, key);
      return;
    }
    const problem = this.expiryProblem(command);
    if (problem === 'expired') {
      this.options.metrics.commands.inc({ command: name ?? 'unknown', outcome: 'expired' });
      await this.send(this.replyTo(command, 'expired', { reason: 'expired' }), key);
      return;
    }
    if (problem !== undefined) return this.refuse(command, 'invalid', problem, true, key);
    if (name === undefined) {
      const known = COMMAND_NAMES.join(', ');
      const detail = `unknown command ${command.command}; known: ${known}`;
      return this.refuse(command, 'unknown_command', detail, true, key);
    }
    const args = parseArgs(name, command.args);
    if (!args.ok) return this.refuse(command, 'invalid', args.detail, true, key);
    if (name === 'readapt' && (this.adapting || this.options.target.status().adapting)) {
      return this.refuse(command, 'busy', 'an adaptation is already running', true, key);
    }
    if (name === 'label' && this.options.labels === undefined) {
      return this.refuse(command, 'unavailable', 'labels are not taken yet', true, key);
    }
    if (name === 'readapt') this.adapting = true;
    this.log.info(
      { requestId: command.requestId, command: name, client: auth.client },
      'command accepted',
    );
    await this.send(this.replyTo(command, 'accepted'), key);
    const run = this.run(command, name, args.args, key).finally(() => this.running.delete(run));
    this.running.add(run);
  }

  /** Resolves once every accepted command has finished and sent its last reply. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  /** 'expired', what is wrong with the expiry, or undefined when it is fine. */
  private expiryProblem(command: CommandMessage): string | undefined {
    const { expiresAt } = command;
    if (expiresAt === undefined) return 'expiresAt is required (ms since the epoch)';
    const now = this.now();
    if (expiresAt <= now) return 'expired';
    if (expiresAt > now + this.options.maxLifetimeMs) {
      return `expiresAt is more than ${this.options.maxLifetimeMs} ms ahead (commands.maxLifetimeMs)`;
    }
    return undefined;
  }

  private async run<C extends CommandName>(
    command: CommandMessage,
    name: C,
    args: CommandArgs[C],
    key: string,
  ): Promise<void> {
    await this.send(this.replyTo(command, 'in_progress'), key);
    let outcome: Outcome;
    try {
      outcome = await this.execute(name, args, command.requestId);
    } catch (error) {
      outcome = outcomeOfError(error);
    } finally {
      if (name === 'readapt') this.adapting = false;
    }
    const { status, reason, detail } = outcome;
    if (status === 'rejected') {
      this.options.metrics.commandsRejected.inc({ reason: reason as RefusalReason });
    }
    this.options.metrics.commands.inc({ command: name, outcome: status });
    this.log.info({ requestId: command.requestId, command: name, status, reason }, 'command done');
    await this.send(this.replyTo(command, status, { reason, detail }), key);
  }

  private async execute<C extends CommandName>(
    name: C,
    args: CommandArgs[C],
    requestId: string,
  ): Promise<Outcome> {
    const { target } = this.options;
    const done = (detail: Record<string, unknown>): Outcome => ({ status: 'succeeded', detail });
    switch (name) {
      case 'readapt': {
        const { strategy } = args as CommandArgs['readapt'];
        const outcome = await target.readapt({
          requestId,
          trigger: 'command',
          ...(strategy === undefined ? {} : { strategy }),
        });
        const detail = { ...outcome };
        // A challenger the gates turned down is a finished run, not a failed command.
        if (outcome.result === 'promoted' || outcome.result === 'rejected') return done(detail);
        return { status: 'failed', reason: outcome.result, detail };
      }
      case 'rollback':
        return done(await target.rollback());
      case 'promote':
        return done(await target.promote((args as CommandArgs['promote']).version));
      case 'freeze':
        target.freeze();
        return done(target.status());
      case 'unfreeze':
        target.unfreeze();
        return done(target.status());
      case 'reset':
        await target.reset();
        return done(target.status());
      case 'snapshot':
        return done(await target.snapshot());
      case 'status':
        return done(target.status());
      case 'label': {
        const span = args as CommandArgs['label'];
        return done(await this.options.labels!.label({ ...span, requestId }));
      }
    }
    throw new AdaptdError('INTERNAL', `command ${String(name)} has no handler`);
  }

  private async refuse(
    command: CommandMessage,
    reason: RefusalReason,
    detail: string,
    cache: boolean,
    key?: string,
  ): Promise<void> {
    const name = isCommandName(command.command) ? command.command : 'unknown';
    this.options.metrics.commandsRejected.inc({ reason });
    this.options.metrics.commands.inc({ command: name, outcome: 'rejected' });
    this.log.warn(
      { requestId: command.requestId, command: name, reason, detail },
      'command refused',
    );
    const reply = this.replyTo(command, 'rejected', { reason, detail: { message: detail } });
    await this.send(reply, cache ? key : undefined);
  }

  private replyTo(
    command: CommandMessage,
    status: ReplyStatus,
    extra: { reason?: string; detail?: Record<string, unknown> } = {},
  ): ReplyMessage {
    return {
      requestId: command.requestId,
      command: command.command,
      status,
      ts: this.now(),
      ...(extra.reason === undefined ? {} : { reason: extra.reason }),
      ...(extra.detail === undefined ? {} : { detail: extra.detail }),
    };
  }

  /** Publishes a reply and, given a cache key, remembers it as the request's latest. */
  private async send(reply: ReplyMessage, key?: string): Promise<void> {
    if (key !== undefined) this.cache.set(key, reply);
    try {
      await this.options.reply(reply);
    } catch (error) {
      this.log.warn({ err: error, requestId: reply.requestId, status: reply.status }, 'reply lost');
    }
  }
}

/** How a target's error is answered: refusals stay `rejected`, the rest `failed`. */
function outcomeOfError(error: unknown): Outcome {
  const message = error instanceof Error ? error.message : String(error);
  if (isAdaptdError(error, 'BUSY')) {
    return { status: 'rejected', reason: 'busy', detail: { message } };
  }
  if (isAdaptdError(error, 'COMMAND_REJECTED')) {
    const given = error.context.reason;
    const reason = (REFUSAL_REASONS as readonly unknown[]).includes(given) ? given : 'refused';
    return { status: 'rejected', reason: reason as RefusalReason, detail: { message } };
  }
  const code = isAdaptdError(error) ? error.code : 'INTERNAL';
  return { status: 'failed', reason: code, detail: { message } };
}
