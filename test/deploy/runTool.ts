import { spawn } from 'node:child_process';

export interface ToolResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command-line tool to its end and returns its exit code and output; never rejects on a
 * non-zero exit, which is what the tests look at. A tool that cannot be started rejects, naming
 * the script that installs it.
 */
export function runTool(
  command: string,
  args: string[],
  options: { input?: string; cwd?: string; timeoutMs?: number } = {},
): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, timeout: options.timeoutMs ?? 60_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', (error) =>
      reject(
        new Error(
          `cannot run ${command} (${error.message}); scripts/services/install-debian.sh installs it`,
          { cause: error },
        ),
      ),
    );
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    // A tool that never reads its input closes the pipe; that is not a failure.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}
