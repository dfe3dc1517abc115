/**
 * Pools evaluations run in separate processes (seeds, added strategies) into one table:
 * npx tsx scripts/merge-evaluations.ts <out> <folder with results.json>[#strategy=newName]...
 * (`#strategy=newName` shows that folder's cells of a strategy under another name.)
 * The pooled table is marked partial when a part is, unless `--resumed` says that the parts
 * stopped early had the rest of their plan run by other parts.
 * Writes results.json, results.md and the accuracy plots (the embedding pictures stay in
 * the folders of the runs that took them).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeResults } from '../src/cli/evaluateCommand.js';
import {
  mergeResults,
  renameStrategy,
  type WrittenResults,
} from '../src/evaluation/mergeResults.js';
import { evaluationPlots } from '../src/evaluation/plots/evaluationPlots.js';

const args = process.argv.slice(2);
const resumed = args.includes('--resumed');
const [out, ...folders] = args.filter((a) => a !== '--resumed');
if (out === undefined || folders.length === 0) {
  process.stderr.write('usage: merge-evaluations.ts <out> <folder>...\n');
  process.exit(2);
}
const parts: WrittenResults[] = [];
for (const argument of folders) {
  const [folder, rename] = argument.split('#') as [string, string | undefined];
  const part = JSON.parse(await readFile(join(folder, 'results.json'), 'utf8')) as WrittenResults;
  const [from, to] = rename?.split('=') ?? [];
  parts.push(from !== undefined && to !== undefined ? renameStrategy(part, from, to) : part);
}
const { results, commands, partial } = mergeResults(parts);
await writeResults(out, commands.join(' ; '), results, partial && !resumed);
for (const [name, svg] of Object.entries(await evaluationPlots(results, []))) {
  await writeFile(join(out, name), svg);
}
process.stdout.write(`merged ${parts.length} evaluations into ${out}\n`);
