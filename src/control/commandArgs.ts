import { z } from 'zod';
import { labelMessageSchema } from '../transports/messages/labelMessage.js';

const none = z.strictObject({});

/**
 * The arguments of each command, checked before anything runs; unknown keys are refused, so a
 * misspelt argument is an error rather than silently ignored.
 */
export const COMMAND_ARGS = {
  /** Runs an adaptation now, with the configured strategy or the one named. */
  readapt: z.strictObject({
    strategy: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,63}$/, 'a strategy name: lower case, digits and -')
      .optional(),
  }),
  /** Back to the adapter served before the current one. */
  rollback: none,
  /** Serves a stored adapter version. */
  promote: z.strictObject({ version: z.string().min(1).max(128) }),
  freeze: none,
  unfreeze: none,
  /** Back to the source model. */
  reset: none,
  /** Writes the state now. */
  snapshot: none,
  /** The version served, whether adaptation is frozen or running. */
  status: none,
  /** Labels the windows of a time span for one head, as the labels stream does. */
  label: labelMessageSchema
    .omit({ requestId: true })
    .refine((span) => span.from <= span.to, { message: 'from must not be after to' }),
} as const;

export type CommandName = keyof typeof COMMAND_ARGS;
export type CommandArgs = { [C in CommandName]: z.infer<(typeof COMMAND_ARGS)[C]> };

export const COMMAND_NAMES = Object.keys(COMMAND_ARGS) as CommandName[];

export function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(COMMAND_ARGS, name);
}

/** The command's arguments parsed, or the first problem with them. */
export function parseArgs<C extends CommandName>(
  command: C,
  args: Record<string, unknown> | undefined,
): { ok: true; args: CommandArgs[C] } | { ok: false; detail: string } {
  const result = COMMAND_ARGS[command].safeParse(args ?? {});
  if (result.success) return { ok: true, args: result.data as CommandArgs[C] };
  const [first] = result.error.issues;
  const path = first?.path.map(String).join('.') ?? '';
  return {
    ok: false,
    detail: `args${path === '' ? '' : `.${path}`}: ${first?.message ?? 'invalid'}`,
  };
}
