import { buildSchema } from '../../src/data/channelSchema.js';
import { Normaliser } from '../../src/data/normaliser.js';
import { listRuns } from '../../src/data/runCatalog.js';
import { readRun } from '../../src/data/runReader.js';
import { fixtureCsv, tempFolder, writeRun } from '../data/fixtures.js';
import { saveTinyBundle } from '../support/tinyBundle.js';

/** Three runs of each operation; 120 rows in windows of 16 every 8 rows: 14 windows each. */
export const FIXTURE_RUNS = ['face', 'pocket', 'adaptive'].flatMap((op) =>
  [1, 2, 3].map((n) => `${op}_00${n}`),
);

export interface DriftFixture {
  dataDir: string;
  modelDir: string;
  cleanup: () => Promise<void>;
}

/** Recorded-like runs in a temp folder and a tiny untrained artifact fitted to them. */
export async function driftFixture(): Promise<DriftFixture> {
  const data = await tempFolder();
  for (const [k, stem] of FIXTURE_RUNS.entries()) {
    // Runs differ in level and phase, as recorded runs do, so their embeddings differ.
    const cell = (column: string, r: number) =>
      column.includes('.') || column.endsWith('motor')
        ? String(Math.sin(r * 0.3 + k) * (1 + 0.1 * k) + 0.05 * k)
        : undefined;
    await writeRun(data.folder, stem, fixtureCsv({ rows: 120, cell }));
  }
  const frames = await Promise.all((await listRuns(data.folder)).map((run) => readRun(run)));
  const schema = buildSchema(frames, { modalities: ['current', 'accel', 'gyro'] });
  const model = await saveTinyBundle(schema, Normaliser.fit(frames, schema));
  return {
    dataDir: data.folder,
    modelDir: model.dir,
    cleanup: async () => {
      await data.cleanup();
      await model.cleanup();
    },
  };
}
