import type { ChannelSchema } from '../../src/data/channelSchema.js';
import type { Normaliser } from '../../src/data/normaliser.js';
import type { RunFrame } from '../../src/data/runFrame.js';
import { runSteps } from '../../src/transports/replay/runMessages.js';
import { ChannelMap } from '../../src/windows/channelMap.js';
import { StreamWindower } from '../../src/windows/streamWindower.js';

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
