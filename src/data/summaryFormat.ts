import { SPLIT_PARTS } from './scenarioSplit.js';
import { SCENARIO_NAMES } from './scenarios.js';
import type { DataSummary } from './summary.js';

/** Left-aligns the first column and right-aligns the rest. */
function table(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows)
    row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) =>
    row
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

function counts(record: Record<string, number>): string {
  const entries = Object.entries(record).sort(([a], [b]) => (a < b ? -1 : 1));
  return entries.length === 0 ? '-' : entries.map(([key, n]) => `${key} ${n}`).join(', ');
}

/** The summary as plain text for a terminal. */
export function formatSummary(summary: DataSummary): string {
  const lines: string[] = [
    `data folder ${summary.folder}`,
    `${summary.runs} runs, ${summary.rows} rows, ${summary.windows} windows ` +
      `(length ${summary.window.length}, stride ${summary.window.stride}), ` +
      `${summary.channels} channels in the default schema; read in ${summary.readSeconds.toFixed(1)} s`,
  ];
  for (const entry of summary.skipped) lines.push(`left out ${entry.file}: ${entry.reason}`);
  lines.push('', 'groups');
  lines.push(
    ...table([
      ['group', 'runs', 'rows', 'windows', 'channels present'],
      ...summary.groups.map((group) => [
        group.group,
        String(group.runs),
        String(group.rows),
        String(group.windows),
        `${group.channelsPresent.min}-${group.channelsPresent.max}`,
      ]),
    ]),
  );
  lines.push('', 'boards per group (runs in which each board logged; dead = columns constant)');
  for (const group of summary.groups) {
    lines.push(`${group.group} (${group.runs} runs)`);
    lines.push(`  logged: ${counts(group.liveBoards)}`);
    lines.push(`  dead:   ${counts(group.deadBoards)}`);
  }
  lines.push('', `scenario splits (seed ${summary.seed}); windows per class`);
  for (const name of SCENARIO_NAMES) {
    const scenario = summary.scenarios[name];
    const classes = Object.keys(scenario.parts.sourceTrain.classes);
    lines.push(`${name}: ${scenario.description}`);
    const rows = SPLIT_PARTS.map((part) => {
      const entry = scenario.parts[part];
      return [
        `  ${part}`,
        String(entry.runs),
        String(entry.windows),
        ...classes.map((label) => String(entry.classes[label] ?? 0)),
      ];
    });
    lines.push(...table([['  part', 'runs', 'windows', ...classes], ...rows]));
  }
  return `${lines.join('\n')}\n`;
}
