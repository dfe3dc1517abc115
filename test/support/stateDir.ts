import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];
process.once('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/**
 * A fresh state folder for a test daemon, removed when the test process exits, so that no test
 * writes ./state in the checkout or restores another test's state. A config made once and
 * started twice keeps its folder, as a restarted daemon would.
 */
export function tempStateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'adaptd-test-state-'));
  made.push(dir);
  return dir;
}
