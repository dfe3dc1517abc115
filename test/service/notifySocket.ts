/**
 * A stand-in for systemd's side of the notify protocol: a Unix datagram socket that a real
 * `systemd-notify` sends to. Node cannot bind one, so a short Python script does, printing each
 * datagram as a JSON line. It closes the file descriptors that come with a BARRIER=1 message, as
 * systemd does, which is what lets systemd-notify return.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';

const LISTENER = `
import array, json, os, socket, sys
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(sys.argv[1])
print(json.dumps({"listening": True}), flush=True)
while True:
    data, ancillary, _, _ = sock.recvmsg(65536, socket.CMSG_SPACE(4 * 16))
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds = array.array("i")
            fds.frombytes(payload[: len(payload) - len(payload) % fds.itemsize])
            for fd in fds:
                os.close(fd)
    print(json.dumps({"message": data.decode()}), flush=True)
`;

export interface NotifySocket {
  path: string;
  /** The next datagram other than a barrier; rejects after `timeoutMs`. */
  next(timeoutMs?: number): Promise<string>;
  close(): void;
}

/** Binds a notify socket in `dir` and resolves once it listens. */
export async function openNotifySocket(dir: string): Promise<NotifySocket> {
  const path = join(dir, 'notify.sock');
  const child: ChildProcess = spawn('python3', ['-c', LISTENER, path], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const received: string[] = [];
  const waiters: Array<(message: string) => void> = [];
  const lines = createInterface({ input: child.stdout! });
  const listening = new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`notify listener exited with ${code}`)));
    lines.on('line', (line) => {
      const parsed = JSON.parse(line) as { listening?: true; message?: string };
      if (parsed.listening === true) resolve();
      if (parsed.message === undefined || parsed.message === 'BARRIER=1') return;
      const waiter = waiters.shift();
      if (waiter === undefined) received.push(parsed.message);
      else waiter(parsed.message);
    });
  });
  await listening;
  return {
    path,
    next(timeoutMs = 10_000) {
      const queued = received.shift();
      if (queued !== undefined) return Promise.resolve(queued);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`no notify message within ${timeoutMs} ms`));
        }, timeoutMs);
        const waiter = (message: string) => {
          clearTimeout(timer);
          resolve(message);
        };
        waiters.push(waiter);
      });
    },
    close: () => child.kill(),
  };
}
