import type { CommandMessage } from '../transports/messages/commandMessage.js';
import { signatureMatches } from './commandSignature.js';

export type AuthMode = 'secret' | 'identities' | 'off';

/** Who sent a command, once its signature is checked; `client` is absent in secret mode. */
export type AuthResult =
  { readonly ok: true; readonly client?: string } | { readonly ok: false; readonly detail: string };

/**
 * Decides whether a command comes from someone allowed to send it.
 *
 * - `secret`: one shared secret; the command's HMAC-SHA256 signature must match. A `client`
 *   field, when present, is covered by the signature but proves nothing more.
 * - `identities`: an allow-list of clients, each with its own secret. The command names its
 *   client and is signed with that client's secret, so the signature proves the name; a
 *   client is taken off the list by removing its line.
 * - `off`: every command is accepted; for tests and the embedded default only.
 *
 * The transports' own identities are not used: neither MQTT nor Kafka tells a subscriber who
 * published a message, and MQTT 5 user properties or Kafka headers are set by the sender.
 */
export class CommandAuth {
  private constructor(
    readonly mode: AuthMode | 'closed',
    private readonly secret: string | undefined,
    private readonly clients: ReadonlyMap<string, string>,
  ) {}

  /** Refuses every command: secret mode with no secret configured fails closed. */
  static closed(): CommandAuth {
    return new CommandAuth('closed', undefined, new Map());
  }

  static sharedSecret(secret: string): CommandAuth {
    return new CommandAuth('secret', secret, new Map());
  }

  static identities(clients: ReadonlyMap<string, string>): CommandAuth {
    return new CommandAuth('identities', undefined, clients);
  }

  static off(): CommandAuth {
    return new CommandAuth('off', undefined, new Map());
  }

  check(command: CommandMessage): AuthResult {
    switch (this.mode) {
      case 'closed':
        return { ok: false, detail: 'no command secret is configured' };
      case 'off':
        return command.client === undefined ? { ok: true } : { ok: true, client: command.client };
      case 'secret':
        if (command.signature === undefined) return { ok: false, detail: 'no signature' };
        return signatureMatches(command, this.secret ?? '')
          ? { ok: true }
          : { ok: false, detail: 'signature does not match' };
      case 'identities': {
        if (command.client === undefined) return { ok: false, detail: 'no client named' };
        const secret = this.clients.get(command.client);
        if (secret === undefined) {
          return { ok: false, detail: `client ${command.client} is not allowed` };
        }
        if (command.signature === undefined) return { ok: false, detail: 'no signature' };
        return signatureMatches(command, secret)
          ? { ok: true, client: command.client }
          : { ok: false, detail: `signature does not match client ${command.client}` };
      }
    }
  }
}
