import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signCommand } from '../../src/control/commandSignature.js';
import { loadCommandAuth } from '../../src/control/loadCommandAuth.js';
import { isAdaptdError } from '../../src/errors.js';

const BASE = { auth: 'secret', secret: '', secretFile: '', identitiesFile: '' };
const COMMAND = { requestId: 'r', command: 'freeze', expiresAt: 1_780_000_000_000 };

async function folder(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'adaptd-auth-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe('loadCommandAuth', () => {
  it('reads the shared secret from a file, one trailing newline dropped', async (t) => {
    const file = join(await folder(t), 'secret');
    await writeFile(file, 'a-secret-of-enough-length\n');
    const auth = await loadCommandAuth({ ...BASE, secretFile: file });
    assert.equal(auth.mode, 'secret');
    const signed = signCommand(COMMAND, 'a-secret-of-enough-length');
    assert.deepEqual(auth.check(signed), { ok: true });
  });

  it('takes the secret from the environment value', async () => {
    const auth = await loadCommandAuth({ ...BASE, secret: 'a-secret-of-enough-length' });
    assert.ok(auth.check(signCommand(COMMAND, 'a-secret-of-enough-length')).ok, 'verifies');
  });

  it('fails closed without a secret, and refuses short secrets or both sources', async (t) => {
    const closed = await loadCommandAuth(BASE);
    assert.equal(closed.mode, 'closed');
    assert.equal(closed.check(signCommand(COMMAND, 'anything-at-all-long')).ok, false);
    await assert.rejects(loadCommandAuth({ ...BASE, secret: 'short' }), (error) =>
      isAdaptdError(error, 'CONFIG_INVALID'),
    );
    const file = join(await folder(t), 'secret');
    await writeFile(file, 'a-secret-of-enough-length');
    await assert.rejects(
      loadCommandAuth({ ...BASE, secret: 'a-secret-of-enough-length', secretFile: file }),
      /both set/,
    );
    await assert.rejects(loadCommandAuth({ ...BASE, secretFile: join(file, 'none') }), (error) => {
      assert.ok(isAdaptdError(error, 'CONFIG_INVALID'), 'unreadable file is a config error');
      assert.ok(!String(error).includes('a-secret'), 'the secret is not in the message');
      return true;
    });
  });

  it('reads an identities file and rejects malformed ones', async (t) => {
    const dir = await folder(t);
    const good = join(dir, 'identities');
    await writeFile(
      good,
      '# client secret\nhmi-1 secret-of-the-hmi-panel\n\nmes  secret-of-the-mes!!\n',
    );
    const auth = await loadCommandAuth({ ...BASE, auth: 'identities', identitiesFile: good });
    const signed = signCommand({ ...COMMAND, client: 'mes' }, 'secret-of-the-mes!!');
    assert.deepEqual(auth.check(signed), { ok: true, client: 'mes' });
    for (const [name, text] of [
      ['empty', '# nobody\n'],
      ['twice', 'a secret-number-one-long\na secret-number-two-long\n'],
      ['short', 'a short\n'],
      ['three', 'a b c\n'],
      ['name', 'b/ad secret-number-one-long\n'],
    ]) {
      const file = join(dir, name!);
      await writeFile(file, text!);
      await assert.rejects(
        loadCommandAuth({ ...BASE, auth: 'identities', identitiesFile: file }),
        (error) => isAdaptdError(error, 'CONFIG_INVALID'),
        `${name} refused`,
      );
    }
    await assert.rejects(loadCommandAuth({ ...BASE, auth: 'identities' }), /identitiesFile/);
  });
});
