import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { buildSchema, type ChannelSchema } from '../../src/data/channelSchema.js';
import { Normaliser } from '../../src/data/normaliser.js';
import { defaultDataDir, listRuns } from '../../src/data/runCatalog.js';
import type { RunFrame } from '../../src/data/runFrame.js';
import { readRun } from '../../src/data/runReader.js';
import { runSteps } from '../../src/transports/replay/runMessages.js';
import { ChannelMap } from '../../src/windows/channelMap.js';
import { StreamWindower } from '../../src/windows/streamWindower.js';
import { saveTinyBundle } from '../support/tinyBundle.js';

/** Windows the daemon must cut from a run, found by running the same windower offline. */
export function expectedWindows(
  frame: RunFrame,
  schema: ChannelSchema,
  normaliser: Normaliser,
  start: number,
  machineId: string,
) {
  const windower = new StreamWindower({
    machineId,
    channelMap: new ChannelMap(schema),
    normaliser,
    length: 64,
    stride: 16,
  });
  const froms: number[] = [];
  for (const step of runSteps(frame, start, 1)) {
    for (const row of step.samples) {
      for (const out of windower.push(row).outputs)
        if (out.kind === 'window') froms.push(out.window.from);
    }
  }
  return froms;
}

/**
 * The recorded run pocket_009 and a tiny model of 64-row windows (stride 16) over two of its
 * boards, normalised on the run itself; the model is removed when the test ends.
 */
export async function recordedRunAndModel(t: TestContext) {
  const [info] = (await listRuns(defaultDataDir())).filter((run) => run.id === 'pocket_009');
  assert.ok(info, 'pocket_009 is in the data folder');
  const frame = await readRun(info);
  const schema = buildSchema([frame], { boards: ['frame_r2', 'y_bed__3'] });
  const normaliser = Normaliser.fit([frame], schema);
  const bundle = await saveTinyBundle(schema, normaliser, { length: 64, stride: 16 });
  t.after(() => bundle.cleanup());
  return { info, frame, schema, normaliser, bundle };
}
