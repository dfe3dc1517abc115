/**
 * Cost of drift detection at embedding width 64: CPU microseconds per online MMD step
 * against reference sizes n (window 32), which should grow linearly in n (the new
 * embedding's kernel column against the reference) and not with the stream's length;
 * and CPU seconds of one domain-classifier score (5 folds, 100 shuffled-label refits).
 * Process CPU time, one core; synthetic normal embeddings.
 * Run: npx tsx bench/drift/onlineMmd.bench.ts
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { domainClassifierScore } from '../../src/drift/domainClassifier.js';
import { OnlineMmd } from '../../src/drift/onlineMmd.js';
import { ReferenceKernel } from '../../src/drift/referenceKernel.js';
import { gaussian, seededRandom } from '../../src/util/random.js';

const dim = 64;
const window = 32;
const random = seededRandom(1);
const rows = (count: number) => Float32Array.from({ length: count * dim }, () => gaussian(random));

function cpuSeconds(run: () => void): number {
  const start = process.cpuUsage();
  run();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

const stream = rows(4000);
const steps = [];
for (const n of [128, 256, 512, 1024, 2048]) {
  const reference = rows(n);
  const online = new OnlineMmd(reference, window, ReferenceKernel.fit(reference, dim));
  const push = (from: number, count: number) => {
    for (let t = from; t < from + count; t += 1) {
      online.push(stream.subarray(t * dim, (t + 1) * dim));
    }
  };
  push(0, 200);
  const early = cpuSeconds(() => push(200, 1000));
  const late = cpuSeconds(() => push(1200, 2800)) / 2.8;
  steps.push({ n, microsPerStep: early * 1000, laterMicrosPerStep: late * 1000 });
}
const domain = [128, 512].map((n) => ({
  reference: n,
  recent: 128,
  seconds: cpuSeconds(() => domainClassifierScore(rows(n), rows(128), dim)),
}));
const result = { date: new Date().toISOString(), dim, window, steps, domain };
await mkdir('bench/results', { recursive: true });
await writeFile('bench/results/drift.json', JSON.stringify(result, null, 2));
console.log(`online MMD, ${dim} features, window ${window}`);
console.log(
  '| reference n | CPU us per step (steps 200-1200) | (steps 1200-4000) | us per step / n |',
);
console.log('| --- | --- | --- | --- |');
for (const s of steps) {
  console.log(
    `| ${s.n} | ${s.microsPerStep.toFixed(0)} | ${s.laterMicrosPerStep.toFixed(0)} | ` +
      `${(s.microsPerStep / s.n).toFixed(3)} |`,
  );
}
for (const d of domain) {
  console.log(
    `domain classifier, ${d.reference} reference and ${d.recent} recent embeddings, ` +
      `5 folds and 100 permutations: ${d.seconds.toFixed(1)} CPU s`,
  );
}
