/**
 * Writes state generations and Kafka offsets as fast as it can until it is killed; the kill
 * loop (killLoop.ts) SIGKILLs it at random moments. Prints `written <seq>` once each
 * generation is durable and `saved <offset>` once each offset is, so the parent knows what a
 * reload must find at least. Usage: node --import tsx stateWriterChild.ts <dir> <firstSeq>
 */
import { silentLogger } from '../../src/log.js';
import { OffsetStore } from '../../src/state/offsetStore.js';
import { StateStore } from '../../src/state/stateStore.js';
import { generationFiles } from './generationFiles.js';

const [dir, first] = process.argv.slice(2);
if (dir === undefined || first === undefined) throw new Error('usage: <dir> <firstSeq>');
const state = new StateStore({ dir, keep: 3, logger: silentLogger });
const offsets = new OffsetStore({ dir, logger: silentLogger });
await state.open();
await offsets.load();
process.stdout.write('ready\n');
for (let seq = Number(first); ; seq += 1) {
  await state.write(generationFiles(seq), { seq });
  process.stdout.write(`written ${seq}\n`);
  await offsets.save([{ topic: 'adaptd.sensors', partition: 0, offset: String(seq * 10) }]);
  process.stdout.write(`saved ${seq * 10}\n`);
}
