import canonicalize from 'canonicalize';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { AdaptdError } from '../errors.js';
import type { CommandMessage } from '../transports/messages/commandMessage.js';

/**
 * The bytes a command's signature covers: the command without its `signature` field in the
 * JSON canonical form of RFC 8785 (keys sorted, no white space, numbers as JavaScript prints
 * them). For commands of plain ASCII strings and integers, `jq -cS 'del(.signature)'` prints
 * the same bytes, so a shell can sign with openssl.
 */
export function canonicalCommand(command: CommandMessage): string {
  const signed: Record<string, unknown> = { ...command };
  delete signed.signature;
  const text = canonicalize(signed);
  if (text === undefined) {
    throw new AdaptdError('INTERNAL', 'a parsed command has no JSON form', {
      context: { requestId: command.requestId },
    });
  }
  return text;
}

/** The signature of a command: HMAC-SHA256 of its canonical form with `secret`, in hex. */
export function signatureOf(command: CommandMessage, secret: string): string {
  return createHmac('sha256', secret).update(canonicalCommand(command), 'utf8').digest('hex');
}

/** The command with its signature set, as a client sends it. */
export function signCommand(command: CommandMessage, secret: string): CommandMessage {
  return { ...command, signature: signatureOf(command, secret) };
}

/** Whether `command.signature` is the signature of the command under `secret`. */
export function signatureMatches(command: CommandMessage, secret: string): boolean {
  const given = command.signature;
  if (given === undefined || !/^[0-9a-f]{64}$/.test(given)) return false;
  const expected = Buffer.from(signatureOf(command, secret), 'hex');
  // Constant time, so the comparison does not tell an attacker how many bytes were right.
  return timingSafeEqual(Buffer.from(given, 'hex'), expected);
}
