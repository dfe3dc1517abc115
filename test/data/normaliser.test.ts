import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChannelSchema } from '../../src/data/channelSchema.js';
import { Normaliser } from '../../src/data/normaliser.js';
import type { RunInfo } from '../../src/data/runCatalog.js';
import type { RunFrame } from '../../src/data/runFrame.js';

const schema: ChannelSchema = {
  channels: [
    { name: 'spindle', modality: 'current' },
    { name: 'frame_r2.Pressure', modality: 'environment', board: 'frame_r2' },
    { name: 'frame_r2.RMS', modality: 'vibration', board: 'frame_r2' },
  ],
  modalities: ['current', 'vibration', 'environment'],
};

/** A frame in memory: the normaliser only needs values, columns and the run id. */
function frame(id: string, columns: Record<string, number[]>): RunFrame {
  const rows = Object.values(columns)[0]?.length ?? 0;
  const info: RunInfo = {
    id,
    file: `/runs/${id}.csv`,
    group: 'face',
    operation: 'face',
    variant: 'standard',
    tool: 'healthy',
  };
  return {
    info,
    rows,
    time: Float64Array.from({ length: rows }, (_, r) => r * 0.26),
    columns: Object.keys(columns),
    values: new Map(
      Object.entries(columns).map(([name, values]) => [name, Float32Array.from(values)]),
    ),
    gcodeLine: new Int32Array(rows).fill(-1),
    gcodeText: Array<string>(rows).fill(''),
    motion: new Int8Array(rows).fill(1),
    feed: new Float32Array(rows).fill(558.8),
    state: {
      stat: new Int16Array(rows).fill(5),
      unit: new Int16Array(rows),
      dist: new Int16Array(rows),
      plane: new Int16Array(rows).fill(-1),
      coor: new Int16Array(rows).fill(2),
    },
  };
}

const train = frame('face_001', {
  spindle: [1, 2, 3, 4, 5, Number.NaN, 6, 7, 8, 9],
  'frame_r2.Pressure': [100, 100, 100, 100, 100, 100, 100, 100, 100, 100],
  'frame_r2.RMS': [10, 20, 30, 40, 50, 60, 70, 80, 90, 100],
});
const other = frame('face_002', {
  spindle: [100, 200, 300, 400, 500, 600, 700, 800, 900, 1000],
  'frame_r2.Pressure': [90, 91, 92, 93, 94, 95, 96, 97, 98, 99],
  'frame_r2.RMS': [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
});

describe('Normaliser', () => {
  it('centres on the median and scales by IQR / 1.349, floored for constant channels', () => {
    const normaliser = Normaliser.fit([train], schema);
    const json = normaliser.toJSON();
    assert.deepEqual(json.centre, [5, 100, 55]);
    assert.ok(Math.abs((json.scale[0] ?? 0) - 4 / 1.349) < 1e-9);
    assert.equal(json.scale[1], 0.1, 'constant Pressure 100 gets the floor 1e-3 x 100');
    assert.ok(Math.abs((json.scale[2] ?? 0) - 45 / 1.349) < 1e-9);
    assert.ok(Math.abs(normaliser.apply(0, 9) - 4 / (4 / 1.349)) < 1e-9);
    assert.equal(normaliser.apply(1, 95), -10, 'clipped');
    assert.ok(Number.isNaN(normaliser.apply(0, Number.NaN)));
  });

  it('fits on the training runs only', () => {
    const onTrain = Normaliser.fit([train, other], schema, { trainRuns: [train.info] }).toJSON();
    assert.deepEqual(onTrain.centre, Normaliser.fit([train], schema).toJSON().centre);
    assert.deepEqual(onTrain.fittedOn, ['face_001']);
    assert.notDeepEqual(Normaliser.fit([train, other], schema).toJSON().centre, onTrain.centre);
    assert.throws(
      () => Normaliser.fit([train], schema, { trainRuns: [other.info] }),
      /training run face_002 is not among the frames/,
    );
  });

  it('ignores masked channels: a dead board does not move the statistics', () => {
    const deadBoard = frame('face_003', {
      spindle: [5, 5.5, 4.5, 5, 5, 5, 5, 5, 5, 5],
      'frame_r2.Pressure': [0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
      'frame_r2.RMS': [0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    });
    const json = Normaliser.fit([train, deadBoard], schema).toJSON();
    assert.deepEqual(json.centre.slice(1), [100, 55]);
  });

  it('thins to maxSamples with an even stride', () => {
    const json = Normaliser.fit([train], schema, { maxSamples: 3 }).toJSON();
    assert.equal(json.centre[2], 40, 'rows 0, 3, 6 of RMS: 10, 40, 70');
  });

  it('round-trips through JSON and refuses malformed input', () => {
    const normaliser = Normaliser.fit([train], schema);
    const copy = Normaliser.fromJSON(JSON.parse(JSON.stringify(normaliser.toJSON())));
    assert.deepEqual(copy.toJSON(), normaliser.toJSON());
    assert.equal(copy.apply(2, 77), normaliser.apply(2, 77));
    const json = normaliser.toJSON();
    assert.throws(() => Normaliser.fromJSON({ ...json, scale: [1, 0, 1] }), /malformed/);
    assert.throws(() => Normaliser.fromJSON({ ...json, centre: [1] }), /3 channels but 1 centres/);
    assert.throws(() => Normaliser.fromJSON({ ...json, version: 2 }), /malformed/);
    assert.throws(() => Normaliser.fromJSON({ ...json, channels: ['a', 'a', 'b'] }), /repeats/);
    assert.throws(
      () => normaliser.assertMatches({ ...schema, channels: schema.channels.slice(1) }),
      /differ from the schema/,
    );
  });
});
