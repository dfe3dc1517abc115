import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isAdaptdError } from '../../../src/errors.js';
import { INPUT_STREAMS, OUTPUT_STREAMS } from '../../../src/transports/messages/streams.js';
import { KafkaTopics, MqttTopics } from '../../../src/transports/messages/topics.js';

describe('topic naming', () => {
  it('names MQTT topics <prefix>/<machine>/<stream> and reads input streams back', () => {
    const topics = new MqttTopics('plant/adaptd', 'mill-1');
    assert.equal(topics.topic('sensors'), 'plant/adaptd/mill-1/sensors');
    assert.equal(topics.topic('status'), 'plant/adaptd/mill-1/status');
    for (const stream of INPUT_STREAMS) {
      assert.equal(topics.inputStream(topics.topic(stream)), stream);
    }
    for (const stream of OUTPUT_STREAMS) {
      assert.equal(topics.inputStream(topics.topic(stream)), undefined, stream);
    }
    assert.equal(topics.inputStream('plant/adaptd/mill-2/sensors'), undefined);
    assert.equal(topics.inputStream('plant/adaptd/mill-1/sensors/extra'), undefined);
  });

  it('names Kafka topics <prefix>.<stream> and reads input streams back', () => {
    const topics = new KafkaTopics('plant.adaptd');
    assert.equal(topics.topic('gcode'), 'plant.adaptd.gcode');
    assert.equal(topics.inputStream('plant.adaptd.labels'), 'labels');
    assert.equal(topics.inputStream('plant.adaptd.predictions'), undefined);
    assert.equal(topics.inputStream('other.labels'), undefined);
  });

  it('refuses prefixes and machine ids that would break topic names', () => {
    const bad: [() => unknown, string][] = [
      [() => new MqttTopics('a/+/b', 'm'), "'a/+/b'"],
      [() => new MqttTopics('a/#', 'm'), "'a/#'"],
      [() => new MqttTopics('/a', 'm'), "'/a'"],
      [() => new MqttTopics('a', 'm/1'), "'m/1'"],
      [() => new MqttTopics('a', ''), "''"],
      [() => new KafkaTopics('a..b'), "'a..b'"],
      [() => new KafkaTopics('a/b'), "'a/b'"],
    ];
    for (const [make, named] of bad) {
      assert.throws(make, (error) => {
        assert.ok(isAdaptdError(error, 'CONFIG_INVALID'));
        assert.ok(error.message.includes(named), error.message);
        return true;
      });
    }
  });
});
