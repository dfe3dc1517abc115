import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** PEM files of a throwaway CA, a server certificate for 127.0.0.1 and localhost, and clients. */
export interface TestCertificates {
  readonly dir: string;
  readonly ca: string;
  readonly serverCert: string;
  readonly serverKey: string;
  /** Certificate and key of the client named `client` (CN), signed by the CA. */
  readonly clientCert: string;
  readonly clientKey: string;
  /** A client certificate signed by a CA no server trusts. */
  readonly strangerCert: string;
  readonly strangerKey: string;
}

async function openssl(dir: string, args: string[]): Promise<void> {
  await run('openssl', args, { cwd: dir, timeout: 60_000 });
}

/**
 * A fresh key (PKCS#8, unencrypted, RSA so that Kafka's PEM keystore reads it) with either a
 * signing request (name.csr) or, self-signed, a certificate (name.crt).
 */
async function newKey(dir: string, name: string, subject: string, selfSigned: boolean) {
  const out = selfSigned ? ['-x509', '-days', '1', '-out', `${name}.crt`] : ['-out', `${name}.csr`];
  await openssl(dir, [
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-subj',
    subject,
    ...out,
  ]);
}

/** A key and a certificate signed by `ca`, with the extensions in the file `ext` if given. */
async function issue(dir: string, name: string, subject: string, ca: string, ext?: string) {
  await newKey(dir, name, subject, false);
  await openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.crt`,
    '-CAkey',
    `${ca}.key`,
    '-CAcreateserial',
    '-out',
    `${name}.crt`,
    '-days',
    '1',
    ...(ext === undefined ? [] : ['-extfile', ext]),
  ]);
}

/** Makes fresh certificates in a temp folder removed when the test ends. */
export async function makeCertificates(t: { after: (fn: () => unknown) => void }) {
  const dir = await mkdtemp(join(tmpdir(), 'adaptd-certs-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await newKey(dir, 'ca', '/CN=adaptd test CA', true);
  await newKey(dir, 'stranger-ca', '/CN=someone else', true);
  const ext = join(dir, 'server.ext');
  await writeFile(ext, 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  await issue(dir, 'server', '/CN=localhost', 'ca', ext);
  await issue(dir, 'client', '/CN=client', 'ca');
  await issue(dir, 'stranger', '/CN=client', 'stranger-ca');
  const at = (file: string) => join(dir, file);
  const certificates: TestCertificates = {
    dir,
    ca: at('ca.crt'),
    serverCert: at('server.crt'),
    serverKey: at('server.key'),
    clientCert: at('client.crt'),
    clientKey: at('client.key'),
    strangerCert: at('stranger.crt'),
    strangerKey: at('stranger.key'),
  };
  return certificates;
}
