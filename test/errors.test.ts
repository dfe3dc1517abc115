import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { AdaptdError, ERROR_CODES, isAdaptdError } from '../src/errors.js';

describe('errors', () => {
  it('keeps code, context, cause and the retriable flag', () => {
    const cause = new Error('disk full');
    const error = new AdaptdError('STATE_CORRUPT', 'state file failed its checksum', {
      cause,
      context: { file: 'adapters.json' },
      retriable: true,
    });
    assert.equal(error.code, 'STATE_CORRUPT');
    assert.equal(error.cause, cause);
    assert.deepEqual(error.context, { file: 'adapters.json' });
    assert.equal(error.retriable, true);
    assert.ok(isAdaptdError(error, 'STATE_CORRUPT'));
    assert.ok(!isAdaptdError(error, 'INTERNAL'));
  });

  it('documents every error code in README', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const code of Object.keys(ERROR_CODES)) {
      assert.ok(readme.includes(`\`${code}\``), `README.md does not document ${code}`);
    }
  });
});
