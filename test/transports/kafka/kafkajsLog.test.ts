import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { logLevel } from 'kafkajs';
import { createLogger } from '../../../src/log.js';
import { kafkajsLevel, kafkajsLogCreator } from '../../../src/transports/kafka/kafkajsLog.js';

function capturingLogger(): { lines: Record<string, unknown>[]; write: Writable } {
  const lines: Record<string, unknown>[] = [];
  const write = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  return { lines, write };
}

function entry(level: logLevel, message: string, extra: Record<string, unknown> = {}) {
  return {
    namespace: 'Connection',
    level,
    label: logLevel[level],
    log: { timestamp: '2026-01-01T00:00:00.000Z', logger: 'kafkajs', message, ...extra },
  };
}

describe('kafkajsLogCreator', () => {
  it('logs kafkajs errors as warnings with a constant message and the detail as a field', () => {
    const sink = capturingLogger();
    const logger = createLogger({ level: 'debug', destination: sink.write });
    const log = kafkajsLogCreator(logger)(logLevel.INFO);

    log(entry(logLevel.ERROR, 'Response GroupCoordinator', { broker: '127.0.0.1:9092' }));
    log(entry(logLevel.INFO, 'Consumer has joined the group'));

    assert.equal(sink.lines.length, 2);
    assert.deepEqual(
      sink.lines.map(({ level, msg, namespace, detail, broker }) => ({
        level,
        msg,
        namespace,
        detail,
        broker,
      })),
      [
        {
          level: 40,
          msg: 'kafka client reported a problem',
          namespace: 'Connection',
          detail: 'Response GroupCoordinator',
          broker: '127.0.0.1:9092',
        },
        {
          level: 20,
          msg: 'kafka client event',
          namespace: 'Connection',
          detail: 'Consumer has joined the group',
          broker: undefined,
        },
      ],
    );
    assert.ok(!('logger' in (sink.lines[0] ?? {})), 'kafkajs bookkeeping fields are dropped');
  });

  it('asks kafkajs for no more detail than the logger keeps', () => {
    const level = (name: string) => kafkajsLevel(createLogger({ level: name }));

    assert.equal(level('trace'), logLevel.DEBUG);
    assert.equal(level('debug'), logLevel.INFO);
    assert.equal(level('info'), logLevel.WARN);
    assert.equal(level('silent'), logLevel.NOTHING);
  });
});
