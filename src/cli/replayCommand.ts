import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig } from '../config/loadConfig.js';
import { defaultDataDir, listRuns } from '../data/runCatalog.js';
import { AdaptdError } from '../errors.js';
import { createLogger } from '../log.js';
import type { InputPublisher } from '../transports/inputPublisher.js';
import { KafkaInputPublisher } from '../transports/kafka/kafkaInputPublisher.js';
import { KafkajsClient } from '../transports/kafka/kafkajsClient.js';
import { KafkaTopics, MqttTopics } from '../transports/messages/topics.js';
import { MqttInputPublisher } from '../transports/mqtt/mqttInputPublisher.js';
import { replayRuns, type ReplaySpeed } from '../transports/replay/replay.js';
import { kafkaSecurity, mqttSettings } from '../service/brokerSettings.js';
import { selectRuns } from '../transports/replay/selectRuns.js';
import { positiveInteger } from './argumentParsers.js';
import type { CommandOutput } from './dataCommand.js';

interface ReplayFlags {
  data?: string;
  runs?: string[];
  groups?: string[];
  speed: ReplaySpeed;
  start?: number;
  batchRows?: number;
  mqttUrl?: string;
  mqttProtocol: 4 | 5;
  kafkaBrokers?: string;
  machine?: string;
  announcePrograms: boolean;
}

function speed(text: string): ReplaySpeed {
  if (text === 'max') return 'max';
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) {
    throw new InvalidArgumentError(`'${text}' is not a speed; give a number above 0 or max`);
  }
  return value;
}

function protocol(text: string): 4 | 5 {
  if (text !== '4' && text !== '5') {
    throw new InvalidArgumentError(`'${text}' is not an MQTT protocol version; give 4 or 5`);
  }
  return text === '4' ? 4 : 5;
}

function time(text: string): number {
  const value = Date.parse(text);
  if (Number.isNaN(value)) throw new InvalidArgumentError(`'${text}' is not an ISO 8601 time`);
  return value;
}

const list = (text: string): string[] =>
  text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

/** Flags that are also configuration keys, so ADAPTD_* variables and config/ fill them in. */
function configArgs(flags: ReplayFlags): string[] {
  const pairs: [string, string | undefined][] = [
    ['machine', flags.machine],
    ['data', flags.data],
    ['mqtt-url', flags.mqttUrl],
    ['kafka-brokers', flags.kafkaBrokers],
  ];
  return pairs.flatMap(([flag, value]) => (value === undefined ? [] : [`--${flag}`, value]));
}

/** `adaptd replay`: publishes recorded runs to an MQTT or Kafka broker as a machine would. */
export function registerReplayCommand(
  program: Command,
  output: CommandOutput = { stdout: process.stdout, stderr: process.stderr },
): void {
  program
    .command('replay')
    .description(
      'publish recorded runs as sensor samples and G-code lines, at real or faster speed',
    )
    .option('--data <folder>', 'folder of recorded runs [data.dir]')
    .option('--runs <ids>', 'run ids to replay, in order (comma separated)', list)
    .option('--groups <names>', 'replay every run of these groups, e.g. face,damagepocket', list)
    .option('--speed <x>', '1 for real time, 10 for ten times faster, or max', speed, 1)
    .option('--start <time>', 'ISO time stamped on the first row (default: now)', time)
    .option(
      '--batch-rows <n>',
      'rows per sensor message (default: about the speed)',
      positiveInteger,
    )
    .option(
      '--announce-programs',
      'send `(PROGRAM <id>)` on the G-code stream before each run (a planned program change)',
      false,
    )
    .option('--mqtt-url <url>', 'MQTT broker to publish to [mqtt.url]')
    .option('--mqtt-protocol <version>', '5, or 4 for MQTT 3.1.1 brokers', protocol, 5)
    .option('--kafka-brokers <list>', 'Kafka brokers to produce to, host:port,... [kafka.brokers]')
    .option('--machine <id>', 'machine id the messages are for [machine.id]')
    .action(async (flags: ReplayFlags) => {
      const { config } = loadConfig({ args: configArgs(flags) });
      const logger = createLogger({ destination: output.stderr, level: 'warn' });
      const machine = config.machine.id;
      const publishers: InputPublisher[] = [];
      if (config.mqtt.url !== '') {
        publishers.push(
          new MqttInputPublisher({
            connection: await mqttSettings(config, flags.mqttProtocol),
            clientId: `adaptd-replay-${machine}-${process.pid}`,
            topics: new MqttTopics(config.mqtt.topicPrefix, machine),
            logger,
          }),
        );
      }
      if (config.kafka.brokers.length > 0) {
        publishers.push(
          new KafkaInputPublisher({
            client: new KafkajsClient({
              clientId: `adaptd-replay-${machine}`,
              brokers: config.kafka.brokers,
              logger,
              security: await kafkaSecurity(config),
            }),
            topics: new KafkaTopics(config.kafka.topicPrefix),
            machine,
          }),
        );
      }
      if (publishers.length === 0) {
        throw new AdaptdError(
          'CONFIG_INVALID',
          'replay needs a broker: give --mqtt-url or --kafka-brokers (or set mqtt.url / kafka.brokers)',
        );
      }
      const folder = config.data.dir === '' ? defaultDataDir() : config.data.dir;
      const runs = selectRuns(await listRuns(folder, logger), {
        ...(flags.runs === undefined ? {} : { runs: flags.runs }),
        ...(flags.groups === undefined ? {} : { groups: flags.groups }),
      });
      const controller = new AbortController();
      const interrupt = () => controller.abort();
      process.once('SIGINT', interrupt);
      const started: InputPublisher[] = [];
      try {
        for (const publisher of publishers) {
          await publisher.start();
          started.push(publisher);
        }
        const result = await replayRuns({
          runs,
          publisher: fanOut(started),
          speed: flags.speed,
          announcePrograms: flags.announcePrograms,
          ...(flags.start === undefined ? {} : { startMs: flags.start }),
          ...(flags.batchRows === undefined ? {} : { batchRows: flags.batchRows }),
          signal: controller.signal,
          logger,
          onRun: ({ run, rows, from }) => {
            output.stderr.write(
              `replaying ${run.id}: ${rows} rows from ${new Date(from).toISOString()}\n`,
            );
          },
        });
        output.stdout.write(
          `${result.aborted ? 'interrupted after' : 'replayed'} ${result.runs.length} runs for ${machine}: ` +
            `${result.samples} samples in ${result.sensorMessages} sensor messages, ` +
            `${result.gcodeMessages} G-code lines\n`,
        );
      } finally {
        process.off('SIGINT', interrupt);
        for (const publisher of started.reverse()) await publisher.stop();
      }
    });
}

/** One publisher that publishes to each, when replaying to MQTT and Kafka at once. */
function fanOut(publishers: readonly InputPublisher[]): InputPublisher {
  if (publishers.length === 1) return publishers[0]!;
  return {
    start: () => Promise.resolve(),
    stop: () => Promise.resolve(),
    publish: async (stream, payload) => {
      await Promise.all(publishers.map((publisher) => publisher.publish(stream, payload)));
    },
  };
}
