import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isAdaptdError } from '../../../src/errors.js';
import { nextOffsets } from '../../../src/transports/kafka/nextOffsets.js';

describe('nextOffsets', () => {
  it('commits one past the highest offset of each topic-partition', () => {
    const positions = nextOffsets([
      { topic: 'a', partition: 0, offset: '4' },
      { topic: 'a', partition: 0, offset: '9' },
      { topic: 'a', partition: 0, offset: '7' },
      { topic: 'a', partition: 1, offset: '0' },
      { topic: 'b', partition: 0, offset: '2' },
    ]);

    assert.deepEqual(
      positions.sort((x, y) => x.topic.localeCompare(y.topic) || x.partition - y.partition),
      [
        { topic: 'a', partition: 0, offset: '10' },
        { topic: 'a', partition: 1, offset: '1' },
        { topic: 'b', partition: 0, offset: '3' },
      ],
    );
  });

  it('keeps offsets past 2^53 exact', () => {
    const [position] = nextOffsets([{ topic: 'a', partition: 0, offset: '9007199254740993' }]);

    assert.equal(position?.offset, '9007199254740994');
  });

  it('commits nothing for no records', () => {
    assert.deepEqual(nextOffsets([]), []);
  });

  it('refuses an offset that is not a decimal integer', () => {
    for (const offset of ['-1', '1.5', '', '0x10', '01']) {
      assert.throws(
        () => nextOffsets([{ topic: 'a', partition: 3, offset }]),
        (error) => isAdaptdError(error, 'INTERNAL') && error.message.includes('a/3'),
      );
    }
  });
});
