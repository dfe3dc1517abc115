/**
 * Pools evaluations run in separate processes (seeds, added strategies) into one table:
 * npx tsx scripts/merge-evaluations.ts <out> <folder with results.json>...
 * Writes results.json, results.md and the accuracy plots (the embedding pictures stay in
 * the folders of the runs that took them).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeResults } from '../src/cli/evaluateCommand.js';
import { mergeResults, type WrittenResults } from '../src/evaluation/mergeResults.js';
import { evaluationPlots } from '../src/evaluation/plots/evaluationPlots.js';

const [out, ...folders] = process.argv.slice(2);
if (out === undefined || folders.length === 0) {
  process.stderr.write('usage: merge-evaluations.ts <out> <folder>...\n');
  process.exit(2);
}
const parts: WrittenResults[] = [];
for (const folder of folders) {
  parts.push(JSON.parse(await readFile(join(folder, 'results.json'), 'utf8')) as WrittenResults);
}
const { results, commands, partial } = mergeResults(parts);
await writeResults(out, commands.join(' ; '), results, partial);
for (const [name, svg] of Object.entries(await evaluationPlots(results, []))) {
  await writeFile(join(out, name), svg);
}
process.stdout.write(`merged ${parts.length} evaluations into ${out}\n`);
