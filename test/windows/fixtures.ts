import type { ChannelSchema } from '../../src/data/channelSchema.js';
import { Normaliser } from '../../src/data/normaliser.js';
import type { SensorRow } from '../../src/windows/sensorWindow.js';

/** Six channels: two motor currents without a board, two boards of two accelerometer axes. */
export const SCHEMA: ChannelSchema = {
  channels: [
    { name: 'spindle', modality: 'current' },
    { name: 'x_motor', modality: 'current' },
    { name: 'b1.Ax', modality: 'accel', board: 'b1' },
    { name: 'b1.Ay', modality: 'accel', board: 'b1' },
    { name: 'b2.Ax', modality: 'accel', board: 'b2' },
    { name: 'b2.Ay', modality: 'accel', board: 'b2' },
  ],
  modalities: ['current', 'accel'],
};

/** Centre 10 and scale 2 for every channel, so a raw value v becomes (v - 10) / 2. */
export const NORMALISER = Normaliser.fromJSON({
  version: 1,
  channels: SCHEMA.channels.map((spec) => spec.name),
  centre: SCHEMA.channels.map(() => 10),
  scale: SCHEMA.channels.map(() => 2),
  clip: 10,
  fittedOn: ['fixture'],
});

/** A sample at row `i` (ts = 1000 + 250 i) whose every channel varies with the row. */
export function sample(i: number, overrides: Record<string, number | null> = {}): SensorRow {
  return {
    ts: 1000 + 250 * i,
    values: {
      spindle: 10 + i,
      x_motor: 12 + i,
      'b1.Ax': 14 + i,
      'b1.Ay': 16 + (i % 3),
      'b2.Ax': 18 + i,
      'b2.Ay': 20 - i,
      ...overrides,
    },
  };
}
