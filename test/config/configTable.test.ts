import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { configTable } from '../../src/config/configTable.js';

describe('configuration reference', () => {
  it('README holds the table generated from the schema (npx tsx scripts/config-table.ts)', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    assert.ok(
      readme.includes(configTable()),
      'README.md is out of date: paste the output of `npx tsx scripts/config-table.ts`',
    );
  });
});
