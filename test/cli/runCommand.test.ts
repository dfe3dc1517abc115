import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { Command } from 'commander';
import { registerRunCommand } from '../../src/cli/runCommand.js';
import { isAdaptdError } from '../../src/errors.js';

describe('adaptd run', () => {
  it('with no broker and no data, says how to get the data and fails with DATA_NOT_FOUND', async () => {
    const exits: Array<number | undefined> = [];
    const program = new Command('adaptd').exitOverride();
    registerRunCommand(program, {
      stdout: new PassThrough(),
      stderr: new PassThrough(),
      exit: (code) => exits.push(code),
    });

    await assert.rejects(
      program.parseAsync(['node', 'adaptd', 'run', '--data', '/nonexistent/runs']),
      (error: unknown) => {
        assert.ok(isAdaptdError(error, 'DATA_NOT_FOUND'));
        assert.match(error.message, /adaptd data download --out \/nonexistent\/runs/);
        return true;
      },
    );
    assert.deepEqual(exits, []);
  });

  it('refuses a bad flag value naming its key before starting anything', async () => {
    const program = new Command('adaptd').exitOverride();
    registerRunCommand(program, {
      stdout: new PassThrough(),
      stderr: new PassThrough(),
      exit: () => undefined,
    });
    await assert.rejects(
      program.parseAsync(['node', 'adaptd', 'run', '--mqtt-url', 'http://broker']),
      (error: unknown) => isAdaptdError(error, 'CONFIG_INVALID') && /mqtt\.url/.test(error.message),
    );
  });
});
