/**
 * Summarises a V8 .cpuprofile (node --cpu-prof): self time by function and by source file,
 * as Markdown tables, so BENCHMARKS.md can show where a missed target's time goes.
 * Run: npx tsx bench/support/profileSummary.ts FILE.cpuprofile [--top 15]
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Self milliseconds per function and per file, largest first. */
export function summariseProfile(profile: Profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const functions = new Map<string, number>();
  const files = new Map<string, number>();
  for (const [id, ms] of self) {
    const frame = byId.get(id)!.callFrame;
    const file = shortUrl(frame.url);
    const name = `${frame.functionName || '(anonymous)'} ${file}${frame.url ? `:${frame.lineNumber + 1}` : ''}`;
    functions.set(name, (functions.get(name) ?? 0) + ms);
    files.set(file, (files.get(file) ?? 0) + ms);
  }
  const sorted = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1]);
  return { totalMs: total, functions: sorted(functions), files: sorted(files) };
}

function shortUrl(url: string): string {
  if (url === '') return '(native/VM)';
  const clean = url.replace(/^file:\/\//, '');
  const modules = clean.lastIndexOf('node_modules/');
  if (modules >= 0) return clean.slice(modules + 'node_modules/'.length);
  const src = clean.search(/\/(src|bench|test)\//);
  return src >= 0 ? clean.slice(src + 1) : clean;
}

export function profileMarkdown(summary: ReturnType<typeof summariseProfile>, top = 15): string[] {
  const pct = (ms: number) => ((100 * ms) / summary.totalMs).toFixed(1);
  return [
    `Sampled ${(summary.totalMs / 1000).toFixed(1)} s.`,
    '',
    '| self % | self ms | function |',
    '| --- | --- | --- |',
    ...summary.functions
      .slice(0, top)
      .map(([name, ms]) => `| ${pct(ms)} | ${ms.toFixed(0)} | ${name.replace(/\|/g, '/')} |`),
    '',
    '| self % | file |',
    '| --- | --- |',
    ...summary.files.slice(0, top).map(([file, ms]) => `| ${pct(ms)} | ${file} |`),
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: 'string', default: '15' } },
  });
  const profile = JSON.parse(await readFile(positionals[0]!, 'utf8')) as Profile;
  console.log(profileMarkdown(summariseProfile(profile), Number(values.top)).join('\n'));
}
