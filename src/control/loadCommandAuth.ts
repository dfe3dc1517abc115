import { readFile } from 'node:fs/promises';
import { AdaptdError } from '../errors.js';
import { CommandAuth, type AuthMode } from './commandAuth.js';

export interface CommandAuthSettings {
  auth: string;
  /** From the environment only (the schema refuses it in files). */
  secret: string;
  secretFile: string;
  identitiesFile: string;
}

/** Shorter secrets are refused: an HMAC key is only as strong as its guessable part. */
export const MIN_SECRET_LENGTH = 16;
const CLIENT = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/;

function invalid(message: string, context: Record<string, unknown>): AdaptdError {
  return new AdaptdError('CONFIG_INVALID', message, { context });
}

async function readText(path: string, key: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    // The path may be named, the contents never.
    throw new AdaptdError('CONFIG_INVALID', `${key}: file ${path} cannot be read`, {
      cause: error,
      context: { key, path },
    });
  }
}

function checkedSecret(secret: string, where: string): string {
  if (secret.length < MIN_SECRET_LENGTH) {
    throw invalid(`${where}: the secret has ${secret.length} characters; at least 16 needed`, {
      where,
    });
  }
  return secret;
}

/** Parses an identities file: `<client> <secret>` per line, `#` comments and blank lines. */
export function parseIdentities(text: string, path: string): Map<string, string> {
  const clients = new Map<string, string>();
  for (const [n, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const [client, secret, ...rest] = line.split(/\s+/);
    const where = `${path} line ${n + 1}`;
    if (client === undefined || secret === undefined || rest.length > 0 || !CLIENT.test(client)) {
      throw invalid(`${where}: expected "<client> <secret>", client of letters, digits, _ . @ -`, {
        path,
        line: n + 1,
      });
    }
    if (clients.has(client)) throw invalid(`${where}: client ${client} listed twice`, { path });
    clients.set(client, checkedSecret(secret, where));
  }
  if (clients.size === 0) throw invalid(`${path} lists no client`, { path });
  return clients;
}

/**
 * The command authenticator the configuration asks for, its secrets read from the environment
 * or from files. Secret mode without a secret refuses every command (the daemon still serves
 * predictions); a secret or identities file that is unreadable or malformed stops start-up.
 */
export async function loadCommandAuth(settings: CommandAuthSettings): Promise<CommandAuth> {
  const mode = settings.auth as AuthMode;
  switch (mode) {
    case 'off':
      return CommandAuth.off();
    case 'secret': {
      if (settings.secret !== '' && settings.secretFile !== '') {
        throw invalid('commands.secret and commands.secretFile are both set; use one', {});
      }
      const secret =
        settings.secret !== ''
          ? settings.secret
          : settings.secretFile !== ''
            ? (await readText(settings.secretFile, 'commands.secretFile')).replace(/\r?\n$/, '')
            : undefined;
      if (secret === undefined) return CommandAuth.closed();
      return CommandAuth.sharedSecret(checkedSecret(secret, 'commands secret'));
    }
    case 'identities': {
      if (settings.identitiesFile === '') {
        throw invalid('commands.auth is identities but commands.identitiesFile is empty', {
          key: 'commands.identitiesFile',
        });
      }
      const text = await readText(settings.identitiesFile, 'commands.identitiesFile');
      return CommandAuth.identities(parseIdentities(text, settings.identitiesFile));
    }
    default:
      throw invalid(`commands.auth ${String(settings.auth)} is not secret, identities or off`, {
        key: 'commands.auth',
      });
  }
}
