import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  canonicalCommand,
  signCommand,
  signatureMatches,
  signatureOf,
} from '../../src/control/commandSignature.js';
import type { CommandMessage } from '../../src/transports/messages/commandMessage.js';

const SECRET = 'shared-secret-of-the-test-bed';
const COMMAND: CommandMessage = {
  requestId: 'r-1',
  command: 'readapt',
  expiresAt: 1_780_000_030_000,
  args: { strategy: 'mmd' },
};

describe('command signatures', () => {
  it('signs the RFC 8785 form without the signature, as jq -cS and openssl do', () => {
    const canonical =
      '{"args":{"strategy":"mmd"},"command":"readapt","expiresAt":1780000030000,"requestId":"r-1"}';
    assert.equal(canonicalCommand(COMMAND), canonical);
    assert.equal(canonicalCommand({ ...COMMAND, signature: 'ab' }), canonical);
    // printf '%s' "$canonical" | openssl dgst -sha256 -hmac "$SECRET"
    assert.equal(
      signatureOf(COMMAND, SECRET),
      'd948a1304e668ab5f99abd1e646ac2438de8ce0c774b0a1c6a7268eecb451abe',
    );
  });

  it('does not depend on key order', () => {
    const reordered: CommandMessage = {
      args: { strategy: 'mmd' },
      expiresAt: 1_780_000_030_000,
      command: 'readapt',
      requestId: 'r-1',
    };
    assert.equal(signatureOf(reordered, SECRET), signatureOf(COMMAND, SECRET));
  });

  it('accepts its own signature and refuses any change, a wrong secret or a bad format', () => {
    const signed = signCommand(COMMAND, SECRET);
    assert.ok(signatureMatches(signed, SECRET), 'own signature verifies');
    assert.ok(!signatureMatches(signed, `${SECRET}x`), 'another secret fails');
    assert.ok(!signatureMatches({ ...signed, args: { strategy: 'dann' } }, SECRET), 'args changed');
    assert.ok(!signatureMatches({ ...signed, expiresAt: 1_780_000_090_000 }, SECRET), 'expiry');
    assert.ok(!signatureMatches({ ...signed, client: 'mes' }, SECRET), 'client added');
    assert.ok(!signatureMatches({ ...COMMAND }, SECRET), 'no signature');
    assert.ok(!signatureMatches({ ...signed, signature: signed.signature!.toUpperCase() }, SECRET));
    assert.ok(!signatureMatches({ ...signed, signature: signed.signature!.slice(2) }, SECRET));
  });
});
