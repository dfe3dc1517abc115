import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TestCertificates } from './certificates.js';
import { withDeadline } from './deadline.js';

const run = promisify(execFile);

/** SASL users of a private broker: PLAIN and SCRAM-SHA-512 each know every one of them. */
export type KafkaUsers = Readonly<Record<string, string>>;

export interface PrivateKafkaOptions {
  /** TLS listeners (SASL_SSL, and SSL with client certificates) need certificates. */
  readonly certificates?: TestCertificates;
  readonly users?: KafkaUsers;
}

export interface PrivateKafka {
  /** host:port of the PLAINTEXT listener (no authentication). */
  readonly plaintext: string;
  /** host:port of the SASL_SSL listener (PLAIN or SCRAM-SHA-512), when certificates were given. */
  readonly saslSsl: string;
  /** host:port of the SSL listener that requires a client certificate, when certificates were given. */
  readonly ssl: string;
  /** Starts the broker again on the same ports and log, after stop(). */
  start(): Promise<void>;
  /** Stops it (SIGTERM, a controlled shutdown) and waits for the process to end. */
  stop(): Promise<void>;
  /** Stops it for good and removes its folder. */
  close(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/** The jar folder scripts/services/kafka-fetch.sh keeps (fetching it if the cache is empty). */
async function kafkaLibs(version: string): Promise<string> {
  const { stdout } = await run('bash', ['scripts/services/kafka.sh', 'fetch', version], {
    timeout: 600_000,
  });
  return stdout.trim().split('\n').at(-1) ?? '';
}

function jaas(users: KafkaUsers, admin: string): string {
  const plain = Object.entries(users)
    .map(([user, password]) => `user_${user}="${password}"`)
    .join(' ');
  return (
    'org.apache.kafka.common.security.plain.PlainLoginModule required ' +
    `username="${admin}" password="${users[admin]}" ${plain};`
  );
}

/**
 * A single-node KRaft broker of its own, launched from the jars the test bed caches (as
 * scripts/services/kafka.sh does), for tests that stop the broker under a running daemon or
 * need listeners the shared brokers do not have. It takes about five seconds to start here.
 */
export async function privateKafka(options: PrivateKafkaOptions = {}): Promise<PrivateKafka> {
  const version = process.env.ADAPTD_KAFKA3_VERSION ?? '3.9.2';
  const libs = await kafkaLibs(version);
  const dir = await mkdtemp(join(tmpdir(), 'adaptd-kafka-'));
  const ports = { plain: await freePort(), controller: await freePort() };
  const tls = { sasl: await freePort(), ssl: await freePort() };
  const certs = options.certificates;
  const users = options.users ?? { admin: randomBytes(8).toString('hex') };
  const admin = Object.keys(users)[0] ?? 'admin';
  const listeners = [
    `PLAINTEXT://127.0.0.1:${ports.plain}`,
    ...(certs === undefined
      ? []
      : [`SASL_SSL://127.0.0.1:${tls.sasl}`, `SSL://127.0.0.1:${tls.ssl}`]),
  ];
  const lines = [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${ports.controller}`,
    `listeners=${[...listeners, `CONTROLLER://127.0.0.1:${ports.controller}`].join(',')}`,
    `advertised.listeners=${listeners.join(',')}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,' +
      'SASL_SSL:SASL_SSL,SSL:SSL',
    `log.dirs=${dir}/data`,
    'num.partitions=1',
    'auto.create.topics.enable=false',
    'offsets.topic.num.partitions=1',
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
  ];
  if (certs !== undefined) {
    const keystore = join(dir, 'server.pem');
    await writeFile(
      keystore,
      (await readFile(certs.serverKey, 'utf8')) + (await readFile(certs.serverCert, 'utf8')),
    );
    lines.push(
      'ssl.keystore.type=PEM',
      `ssl.keystore.location=${keystore}`,
      'ssl.truststore.type=PEM',
      `ssl.truststore.location=${certs.ca}`,
      'listener.name.ssl.ssl.client.auth=required',
      'sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-512',
      `listener.name.sasl_ssl.plain.sasl.jaas.config=${jaas(users, admin)}`,
      'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=' +
        'org.apache.kafka.common.security.scram.ScramLoginModule required;',
    );
  }
  const config = join(dir, 'server.properties');
  await writeFile(config, `${lines.join('\n')}\n`);
  const log4j = join(dir, 'log4j.properties');
  await writeFile(
    log4j,
    'log4j.rootLogger=WARN, stdout\nlog4j.appender.stdout=org.apache.log4j.ConsoleAppender\n' +
      'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout\n' +
      'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n\n',
  );
  const java = [
    '-Xms128m',
    '-Xmx512m',
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    '-Djava.awt.headless=true',
    `-Dlog4j.configuration=file:${log4j}`,
    '-cp',
    `${libs}/*`,
  ];
  const scram = Object.entries(users).flatMap(([user, password]) => [
    '--add-scram',
    `SCRAM-SHA-512=[name=${user},password=${password}]`,
  ]);
  const clusterId = randomBytes(16).toString('base64url');
  await run(
    'java',
    [...java, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', config, ...scram],
    { timeout: 120_000 },
  );

  let child: ChildProcess | undefined;
  let output = '';
  const broker: PrivateKafka = {
    plaintext: `127.0.0.1:${ports.plain}`,
    saslSsl: `127.0.0.1:${tls.sasl}`,
    ssl: `127.0.0.1:${tls.ssl}`,
    async start() {
      output = '';
      const started = spawn('java', [...java, 'kafka.Kafka', config], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = started;
      started.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      started.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      await withDeadline(
        (async () => {
          while (!(await portOpen(ports.plain))) {
            if (started.exitCode !== null) throw new Error(`Kafka exited:\n${output}`);
            await new Promise((resolve) => setTimeout(resolve, 200));
          }
        })(),
        90_000,
        `the private Kafka ${version} accepting connections`,
      );
    },
    async stop() {
      const running = child;
      child = undefined;
      if (running === undefined || running.exitCode !== null) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGTERM');
      await withDeadline(exited, 30_000, 'Kafka exiting').catch(() => running.kill('SIGKILL'));
    },
    async close() {
      await broker.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    await broker.start();
  } catch (error) {
    await broker.close();
    throw error;
  }
  return broker;
}
