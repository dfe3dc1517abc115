import {
  argmaxRows,
  scoreClassification,
  type ClassificationScores,
} from '../evaluation/classificationScores.js';
import type { WindowSet } from '../data/windows.js';
import { labelledWindows, windowLabels } from './modelBundle.js';
import { predictWindows } from './predictWindows.js';
import type { PretrainOutcome } from './pretrainModel.js';
import type { SensorModel } from './sensorModel.js';

export interface HeadScores {
  head: string;
  classes: string[];
  /** Undefined where the set holds fewer than two classes of this head. */
  scores?: ClassificationScores;
  note?: string;
}

export interface PretrainMetrics {
  validation: HeadScores[];
  target: HeadScores[];
  targetTest: HeadScores[];
  parameters: number;
  trainSeconds: number;
  bestEpoch: number;
  epochs: number;
  /** Windows embedded per second over the validation set (batch 64). */
  windowsPerSecond: number;
  windows: Record<string, number>;
}

/** Rows of a step head that are scored: each window's last row, or its last `stride` rows. */
function stepRows(count: number, length: number, last: number): number[] {
  const rows: number[] = [];
  for (let w = 0; w < count; w += 1) {
    for (let t = length - last; t < length; t += 1) rows.push(w * length + t);
  }
  return rows;
}

function scoreOne(
  head: string,
  classes: string[],
  truth: Int32Array,
  predicted: Int32Array,
): HeadScores {
  const present = new Set(Array.from(truth).filter((t) => t >= 0));
  if (present.size < 2) {
    const names = [...present].map((c) => classes[c]).join(', ');
    return { head, classes, note: `only ${present.size} class present (${names})` };
  }
  return { head, classes, scores: scoreClassification(truth, predicted, classes.length) };
}

/**
 * Scores every head on a window set. A step head is scored at each window's last row
 * (what the daemon publishes per window) and on each window's last `stride` rows, which
 * tile a run without overlap when windows advance by `stride`.
 */
export async function scoreHeads(
  model: SensorModel,
  set: WindowSet,
  stride = 16,
): Promise<HeadScores[]> {
  const predictions = await predictWindows(model, labelledWindows(set));
  const labels = windowLabels(set);
  return model.config.heads.flatMap((head) => {
    const truth = labels[head.name];
    const classes = head.classes;
    if (truth === undefined) return [{ head: head.name, classes, note: 'no labels in this set' }];
    const predicted = argmaxRows(predictions.logits[head.name]!, classes.length);
    if (head.reads !== 'step') return [scoreOne(head.name, classes, truth, predicted)];
    const pick = (rows: number[], values: Int32Array): Int32Array =>
      Int32Array.from(rows, (r) => values[r]!);
    const ends = stepRows(set.count, set.length, 1);
    const steps = stepRows(set.count, set.length, Math.min(stride, set.length));
    return [
      scoreOne(`${head.name} (window end)`, classes, pick(ends, truth), pick(ends, predicted)),
      scoreOne(`${head.name} (per step)`, classes, pick(steps, truth), pick(steps, predicted)),
    ];
  });
}

export async function pretrainMetrics(outcome: PretrainOutcome): Promise<PretrainMetrics> {
  const { model, sets } = outcome;
  const started = performance.now();
  const validation = await scoreHeads(model, sets.validation);
  const seconds = (performance.now() - started) / 1000;
  return {
    validation: compactScores(validation),
    target: compactScores(await scoreHeads(model, sets.target)),
    targetTest: compactScores(await scoreHeads(model, sets.targetTest)),
    parameters: model.store.parameterCount(),
    trainSeconds: outcome.trainSeconds,
    bestEpoch: outcome.bestEpoch,
    epochs: outcome.history.length,
    windowsPerSecond: sets.validation.count / seconds,
    windows: {
      train: sets.train.count,
      validation: sets.validation.count,
      target: sets.target.count,
      targetTest: sets.targetTest.count,
    },
  };
}

function table(title: string, rows: HeadScores[]): string {
  const lines = [
    `### ${title}`,
    '',
    '| head | windows | accuracy | balanced accuracy | macro-F1 |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const row of rows) {
    if (row.scores === undefined) {
      lines.push(`| ${row.head} | - | - | - | ${row.note ?? ''} |`);
      continue;
    }
    const s = row.scores;
    lines.push(
      `| ${row.head} | ${s.count} | ${s.accuracy.toFixed(3)} | ${s.balancedAccuracy.toFixed(3)} | ` +
        `${s.macroF1.toFixed(3)} |`,
    );
  }
  return lines.join('\n');
}

/** Heads with more classes than this get no confusion matrix (G-code commands and values). */
const CONFUSION_CLASS_LIMIT = 12;

/** Drops the confusion matrices of many-class heads, which would dwarf everything else. */
export function compactScores(rows: HeadScores[]): HeadScores[] {
  return rows.map((row) =>
    row.scores === undefined || row.classes.length <= CONFUSION_CLASS_LIMIT
      ? row
      : { ...row, classes: [], scores: { ...row.scores, confusion: [] } },
  );
}

function confusions(title: string, rows: HeadScores[]): string {
  const parts = [
    `### Confusion matrices, ${title} (rows: truth, columns: predicted; heads with more than ` +
      `${CONFUSION_CLASS_LIMIT} classes left out)`,
  ];
  for (const row of rows) {
    if (row.scores === undefined || row.scores.confusion.length === 0) continue;
    parts.push('', `${row.head}:`, '', `| | ${row.classes.join(' | ')} |`);
    parts.push(`| --- |${row.classes.map(() => ' --- |').join('')}`);
    row.scores.confusion.forEach((counts, t) => {
      parts.push(`| ${row.classes[t]} | ${counts.join(' | ')} |`);
    });
  }
  return parts.join('\n');
}

/** The Markdown report committed beside the artifact. */
export function pretrainReport(
  outcome: PretrainOutcome,
  metrics: PretrainMetrics,
  command: string,
): string {
  const ids = (runs: { id: string }[]): string => runs.map((r) => r.id).join(', ');
  return [
    '# Pretraining report',
    '',
    `Command: \`${command}\``,
    '',
    `Parameters: ${metrics.parameters}. Training: ${metrics.trainSeconds.toFixed(0)} s over ` +
      `${metrics.epochs} epochs (best epoch ${metrics.bestEpoch}). Embedding throughput on the ` +
      `validation set: ${metrics.windowsPerSecond.toFixed(0)} windows/s (batch 64, one process).`,
    '',
    'Operation, variant and tool are predicted per window. The motion command is predicted ' +
      "for every row and scored twice: at each window's last row (what the daemon publishes " +
      "per window) and per step on each window's last 16 rows (these tile a run without " +
      "overlap). The feed band is predicted for the window's last row.",
    '',
    `Fitted on: ${ids(outcome.fitRuns)}.`,
    `Early stopping on: ${ids(outcome.earlyStopRuns)}.`,
    `Held-out source runs (never seen): ${ids(outcome.split.sourceVal)}.`,
    `Target test runs: ${ids(outcome.split.targetTest)}.`,
    '',
    table('Held-out source runs', metrics.validation),
    '',
    table('All target runs, source model only (no adaptation)', metrics.target),
    '',
    table('Target test runs, source model only', metrics.targetTest),
    '',
    confusions('held-out source runs', metrics.validation),
    '',
    confusions('all target runs', metrics.target),
    '',
  ].join('\n');
}
