import type { TopLevelSpec } from 'vega-lite';
import type { EvaluationResults } from '../evaluationRun.js';
import { projectPca } from './projectPca.js';
import { renderSvg } from './renderSvg.js';

/** Embeddings of source and target windows, before and after one strategy, for a picture. */
export interface EmbeddingSnapshot {
  scenario: string;
  strategy: string;
  units: number;
  before: { source: Float32Array; target: Float32Array };
  after: { source: Float32Array; target: Float32Array };
  /** Class of each target window (for the prototype picture), and the support shots' positions. */
  targetClasses: Int32Array;
  classNames: string[];
  shots: number[];
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Balanced accuracy against shots, one line per strategy, per scenario. */
export function shotsSpec(results: EvaluationResults): TopLevelSpec {
  const values = results.cells.map((c) => ({
    scenario: c.scenario,
    strategy: c.strategy,
    shots: c.shots,
    accuracy: c.test,
  }));
  return {
    title: 'Balanced accuracy on target test runs against labelled shots per class',
    data: { values },
    facet: { field: 'scenario', type: 'nominal' },
    columns: 3,
    spec: {
      width: 220,
      height: 160,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'shots', type: 'ordinal' },
        y: {
          aggregate: 'mean',
          field: 'accuracy',
          type: 'quantitative',
          scale: { domain: [0, 1] },
        },
        color: { field: 'strategy', type: 'nominal' },
      },
    },
  };
}

/** Strategy comparison at one number of shots, and trainable parameters against accuracy. */
export function comparisonSpecs(results: EvaluationResults, shots: number): TopLevelSpec[] {
  const cells = results.cells.filter((c) => c.shots === shots);
  const keys = [...new Set(cells.map((c) => `${c.scenario}|${c.strategy}`))];
  const values = keys.map((key) => {
    const [scenario, strategy] = key.split('|') as [string, string];
    const group = cells.filter((c) => c.scenario === scenario && c.strategy === strategy);
    return {
      scenario,
      strategy,
      accuracy: mean(group.map((c) => c.test)),
      parameters: Math.max(1, group[0]!.trainableParameters),
    };
  });
  return [
    {
      title: `Strategies at ${shots} shots per class (mean over seeds)`,
      data: { values },
      mark: 'bar',
      encoding: {
        y: { field: 'strategy', type: 'nominal' },
        x: { field: 'accuracy', type: 'quantitative', scale: { domain: [0, 1] } },
        row: { field: 'scenario', type: 'nominal' },
        color: { field: 'strategy', type: 'nominal', legend: null },
      },
    },
    {
      title: `Trainable parameters against accuracy at ${shots} shots`,
      data: { values },
      mark: { type: 'point', filled: true, size: 80 },
      encoding: {
        x: { field: 'parameters', type: 'quantitative', scale: { type: 'log' } },
        y: { field: 'accuracy', type: 'quantitative', scale: { domain: [0, 1] } },
        color: { field: 'strategy', type: 'nominal' },
        shape: { field: 'scenario', type: 'nominal' },
      },
    },
  ];
}

/** Source against target embeddings (PCA fitted on the unadapted ones), before and after. */
export function alignmentSpec(snapshot: EmbeddingSnapshot): TopLevelSpec {
  const { units, before, after } = snapshot;
  const fit = new Float32Array([...before.source, ...before.target]);
  const [bs, bt, as, at] = projectPca(fit, units, [
    before.source,
    before.target,
    after.source,
    after.target,
  ]);
  const tag = (points: { x: number; y: number }[], domain: string, stage: string) =>
    points.map((p) => ({ ...p, domain, stage }));
  return {
    title: `${snapshot.scenario}: source and target embeddings before and after ${snapshot.strategy}`,
    data: {
      values: [
        ...tag(bs!, 'source', '1 before'),
        ...tag(bt!, 'target', '1 before'),
        ...tag(as!, 'source', `2 after ${snapshot.strategy}`),
        ...tag(at!, 'target', `2 after ${snapshot.strategy}`),
      ],
    },
    facet: { column: { field: 'stage', type: 'nominal' } },
    spec: {
      width: 300,
      height: 260,
      mark: { type: 'point', opacity: 0.5, size: 12 },
      encoding: {
        x: { field: 'x', type: 'quantitative', title: 'PC 1' },
        y: { field: 'y', type: 'quantitative', title: 'PC 2' },
        color: { field: 'domain', type: 'nominal' },
      },
    },
  };
}

/** Target embeddings by true class, with the class prototypes of the support shots. */
export function prototypeSpec(snapshot: EmbeddingSnapshot): TopLevelSpec {
  const { units, after, targetClasses, classNames, shots } = snapshot;
  const [points] = projectPca(after.target, units, [after.target]);
  const windows = points!.map((p, i) => ({
    ...p,
    class: classNames[targetClasses[i]!] ?? 'unknown',
    kind: 'window',
  }));
  const prototypes = classNames.flatMap((name, c) => {
    const members = shots.filter((i) => targetClasses[i] === c).map((i) => points![i]!);
    if (members.length === 0) return [];
    return [
      {
        x: mean(members.map((p) => p.x)),
        y: mean(members.map((p) => p.y)),
        class: name,
        kind: 'prototype',
      },
    ];
  });
  return {
    title: `${snapshot.scenario}: target windows by class and the prototypes of ${shots.length} shots`,
    data: { values: [...windows, ...prototypes] },
    width: 360,
    height: 300,
    mark: { type: 'point', filled: true },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: 'PC 1' },
      y: { field: 'y', type: 'quantitative', title: 'PC 2' },
      color: { field: 'class', type: 'nominal' },
      shape: { field: 'kind', type: 'nominal' },
      size: { condition: { test: "datum.kind === 'prototype'", value: 300 }, value: 15 },
      opacity: { condition: { test: "datum.kind === 'prototype'", value: 1 }, value: 0.4 },
    },
  };
}

/** Renders every picture of an evaluation to SVG documents by file name. */
export async function evaluationPlots(
  results: EvaluationResults,
  snapshots: EmbeddingSnapshot[],
): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  if (results.cells.length === 0) return files;
  files['accuracy-vs-shots.svg'] = await renderSvg(shotsSpec(results));
  const shots = results.plan.shots.includes(5) ? 5 : results.plan.shots.at(-1)!;
  const [bars, parameters] = comparisonSpecs(results, shots);
  files['strategies.svg'] = await renderSvg(bars!);
  files['parameters-vs-accuracy.svg'] = await renderSvg(parameters!);
  for (const snapshot of snapshots) {
    const name = `${snapshot.scenario}-${snapshot.strategy}`;
    files[`alignment-${name}.svg`] = await renderSvg(alignmentSpec(snapshot));
    if (snapshot.shots.length > 0)
      files[`prototypes-${name}.svg`] = await renderSvg(prototypeSpec(snapshot));
  }
  return files;
}
