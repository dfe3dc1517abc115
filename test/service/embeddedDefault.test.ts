import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/loadConfig.js';
import { defaultDataDir } from '../../src/data/runCatalog.js';
import { isAdaptdError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { runEmbeddedDefault } from '../../src/service/embeddedDefault.js';
import type { SignalSource } from '../../src/service/stopRequest.js';
import { tempStateDir } from '../support/stateDir.js';

const DATA = defaultDataDir();
const MODEL = 'models/s1-standard';
/** The shortest run of each phase's kind, linked (not copied) into a temp data folder. */
const RUNS = ['pocket_009', 'pocket150025_012', 'damageadaptive_001'];
const skip =
  existsSync(DATA) && existsSync(join(MODEL, 'manifest.json'))
    ? false
    : `needs the shared data folder ${DATA} and the committed model ${MODEL}`;

function config(dataDir: string) {
  return loadConfig({
    configDir: '/nonexistent',
    env: {
      ADAPTD_DATA_DIR: dataDir,
      ADAPTD_MODEL_DIR: MODEL,
      ADAPTD_HTTP_PORT: '0',
      ADAPTD_DEMO_SPEED: '2000',
      ADAPTD_DEMO_RUNS_PER_PHASE: '1',
      ADAPTD_STATE_DIR: tempStateDir(),
    },
  }).config;
}

describe('embedded default', () => {
  it('says how to get the data in one command when the folder has none', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'adaptd-nodata-'));
    try {
      await assert.rejects(
        runEmbeddedDefault({
          config: config(join(empty, 'missing')),
          logger: silentLogger,
          version: 'test',
          print: () => undefined,
        }),
        (error: unknown) => {
          assert.ok(isAdaptdError(error, 'DATA_NOT_FOUND'));
          assert.match(error.message, /adaptd data download --out .*missing/);
          return true;
        },
      );
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it(
    'replays a source run, a new program and a damaged tool through the committed model',
    { skip, timeout: 300_000 },
    async () => {
      const folder = await mkdtemp(join(tmpdir(), 'adaptd-embedded-'));
      const lines: string[] = [];
      try {
        for (const run of RUNS) {
          const name = `${run}_aligned.csv.gz`;
          await symlink(join(DATA, name), join(folder, name));
        }
        await runEmbeddedDefault({
          config: config(folder),
          logger: silentLogger,
          version: 'test',
          print: (line) => lines.push(line),
          reportEvery: 5,
          signals: new EventEmitter() as SignalSource & EventEmitter,
        });
      } finally {
        await rm(folder, { recursive: true, force: true });
      }
      const text = lines.join('\n');
      assert.match(text, /in-process MQTT broker at mqtt:\/\/127\.0\.0\.1:\d+/);
      assert.match(text, /== source program: .*\(pocket_009\)/);
      assert.match(text, /== new program: .*\(pocket150025_012\)/);
      assert.match(text, /== damaged tool: .*\(damageadaptive_001\)/);
      assert.match(text, /pocket150025_012 \(pocket, healthy\) \| 5 windows \| operation accuracy/);
      for (const phase of ['source program', 'new program', 'damaged tool']) {
        const summary = new RegExp(`adaptd: ${phase}: (\\d+) windows, operation accuracy`);
        const windows = Number(summary.exec(text)?.[1] ?? 0);
        assert.ok(windows >= 10, `${phase}: ${windows} windows\n${text}`);
      }
    },
  );
});
