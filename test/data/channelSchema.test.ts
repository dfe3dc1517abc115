import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isAdaptdError } from '../../src/errors.js';
import { inspectRun } from '../../src/data/boardActivity.js';
import { bindRun, buildSchema, parseChannelSchema } from '../../src/data/channelSchema.js';
import { parseRunFileName, type RunInfo } from '../../src/data/runCatalog.js';
import type { RunFrame } from '../../src/data/runFrame.js';
import { readRun } from '../../src/data/runReader.js';
import { fixtureColumns, fixtureCsv, tempFolder, writeRun } from './fixtures.js';

let folder = '';
let cleanup: () => Promise<void> = () => Promise.resolve();

async function frameOf(stem: string, csv: string): Promise<RunFrame> {
  const file = await writeRun(folder, stem, csv);
  return readRun({ ...(parseRunFileName(`${stem}.csv`) as Omit<RunInfo, 'file'>), file });
}

describe('channelSchema', () => {
  before(async () => ({ folder, cleanup } = await tempFolder()));
  after(() => cleanup());

  it('orders channels by modality, board and channel and drops the *_A twins', () => {
    const schema = buildSchema([fixtureColumns({ rows: 1, boards: ['y_bed__3', 'frame_r2'] })]);
    const names = schema.channels.map((spec) => spec.name);
    assert.deepEqual(names.slice(0, 6), [
      'spindle',
      'x_motor',
      'y_motor',
      'z_motor',
      'frame_r2.Ax',
      'frame_r2.Ay',
    ]);
    assert.equal(names.length, 4 + 2 * 17);
    assert.ok(!names.some((name) => name.endsWith('_A') || name === 'posx' || name === 'line'));
    assert.deepEqual(schema.modalities, [
      'current',
      'accel',
      'gyro',
      'magnet',
      'vibration',
      'environment',
    ]);
    const firstGyro = names.indexOf('frame_r2.Gx');
    assert.ok(names.indexOf('y_bed__3.Az') < firstGyro, 'all accel channels precede the gyro ones');
    assert.deepEqual(schema.channels[4], {
      name: 'frame_r2.Ax',
      modality: 'accel',
      board: 'frame_r2',
    });
    assert.deepEqual(JSON.parse(JSON.stringify(schema)), schema);
  });

  it('filters by modality and board and only keeps positions on request', () => {
    const columns = [fixtureColumns({ rows: 1, boards: ['frame_r2', 'spindle1'] })];
    const accel = buildSchema(columns, { modalities: ['accel', 'current'], boards: ['spindle1'] });
    assert.deepEqual(
      accel.channels.map((spec) => spec.name),
      ['spindle', 'x_motor', 'y_motor', 'z_motor', 'spindle1.Ax', 'spindle1.Ay', 'spindle1.Az'],
    );
    const withPosition = buildSchema(columns, { includePosition: true });
    assert.ok(withPosition.channels.some((spec) => spec.name === 'mpox'));
    assert.equal(withPosition.modalities.at(-1), 'position');
    assert.throws(
      () => buildSchema(columns, { modalities: ['position'] }),
      (error: unknown) => isAdaptdError(error, 'CONFIG_INVALID'),
    );
    assert.throws(
      () => buildSchema(columns, { modalities: ['sound' as 'accel'] }),
      /unknown modality 'sound'/,
    );
  });

  it('unites runs whose columns differ and leaves out channels dead everywhere', async () => {
    const a = await frameOf(
      'face_001',
      fixtureCsv({ rows: 20, boards: ['frame_r2', 'z_gant_2'], deadBoards: ['z_gant_2'] }),
    );
    const b = await frameOf('face_002', fixtureCsv({ rows: 20, boards: ['frame_r2', 'spindle1'] }));
    const schema = buildSchema([a, b]);
    const boards = new Set(schema.channels.flatMap((spec) => spec.board ?? []));
    assert.deepEqual([...boards].sort(), ['frame_r2', 'spindle1']);
  });

  it('detects a dead board and masks it; a missing board is masked too', async () => {
    const frame = await frameOf(
      'pocket_001',
      fixtureCsv({
        rows: 30,
        boards: ['frame_r2', 'y_bed__3', 'xa_motor'],
        deadBoards: ['xa_motor'],
      }),
    );
    const activity = inspectRun(frame);
    assert.deepEqual(activity.liveBoards, ['frame_r2', 'y_bed__3']);
    assert.deepEqual(activity.deadBoards, ['xa_motor']);
    assert.ok(activity.deadColumns.has('vel'), 'an all-empty column is dead');
    const schema = buildSchema([
      fixtureColumns({ rows: 1, boards: ['frame_r2', 'xa_motor', 'spindle1'] }),
    ]);
    const binding = bindRun(schema, frame);
    schema.channels.forEach((spec, c) => {
      const expected = spec.board === undefined || spec.board === 'frame_r2' ? 1 : 0;
      assert.equal(binding.present[c], expected, spec.name);
    });
    assert.equal(binding.missing.length, 17);
    assert.ok(binding.missing.every((name) => name.startsWith('spindle1.')));
    assert.equal(binding.dead.length, 17);
    assert.ok(binding.dead.every((name) => name.startsWith('xa_motor.')));
    assert.deepEqual(binding.deadBoards, ['xa_motor']);
  });

  it('keeps a live board whose channels are partly constant', async () => {
    const frame = await frameOf(
      'pocket_002',
      fixtureCsv({
        rows: 10,
        cell: (column) =>
          column.startsWith('frame_r2.') && column !== 'frame_r2.RMS' ? '1.5' : undefined,
      }),
    );
    assert.deepEqual(inspectRun(frame).deadBoards, []);
    const schema = buildSchema([frame]);
    const binding = bindRun(schema, frame);
    assert.ok(binding.present.every((flag) => flag === 1));
  });

  it('round-trips through JSON and refuses malformed schemas', () => {
    const schema = buildSchema([fixtureColumns({ rows: 1 })]);
    assert.deepEqual(parseChannelSchema(JSON.parse(JSON.stringify(schema))), schema);
    assert.throws(() => parseChannelSchema({ channels: [], modalities: [] }), /malformed/);
    const repeated = { ...schema, channels: [...schema.channels, schema.channels[0]] };
    assert.throws(() => parseChannelSchema(repeated), /repeats spindle/);
    assert.throws(
      () => parseChannelSchema({ ...schema, modalities: ['accel'] }),
      /lists modalities/,
    );
  });
});
