import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseRunFileName, type RunInfo } from '../../src/data/runCatalog.js';
import type { Prediction } from '../../src/pipeline/inferenceWorker.js';
import { replayPhases } from '../../src/service/replayPhases.js';
import { ReplayReporter } from '../../src/service/replayReporter.js';

function run(name: string): RunInfo {
  return { ...parseRunFileName(`${name}_aligned.csv.gz`)!, file: `/data/${name}_aligned.csv.gz` };
}

const RUNS = [
  'face_001',
  'face_002',
  'pocket_001',
  'adaptive_001',
  'face150025_001',
  'pocket150025_001',
  'damageface_001',
  'damagepocket_001',
  'damageadaptive_001',
].map(run);

function prediction(from: number, to: number, operation: string, tool: string): Prediction {
  return {
    window: { from, to },
    results: {
      operation: { classIndex: 0, label: operation, confidence: 0.9, entropy: 0.1 },
      tool: { classIndex: 0, label: tool, confidence: 0.9, entropy: 0.1 },
    },
  } as unknown as Prediction;
}

describe('replayPhases', () => {
  it('takes source, new-program and damaged runs, one operation after another', () => {
    const phases = replayPhases(RUNS, 3);
    assert.deepEqual(
      phases.map((p) => [p.name, p.runs.map((r) => r.id)]),
      [
        ['source program', ['face_001', 'pocket_001', 'adaptive_001']],
        ['new program', ['face150025_001', 'pocket150025_001']],
        ['damaged tool', ['damageface_001', 'damagepocket_001', 'damageadaptive_001']],
      ],
    );
  });

  it('avoids source runs the model was trained on while others remain', () => {
    const phases = replayPhases(RUNS, 2, new Set(['face_001', 'pocket_001']));
    assert.deepEqual(
      phases[0]!.runs.map((r) => r.id),
      ['face_002', 'adaptive_001'],
    );
  });
});

describe('ReplayReporter', () => {
  it('prints running operation accuracy against the replayed run every N windows', () => {
    const lines: string[] = [];
    const reporter = new ReplayReporter((line) => lines.push(line), 2);
    reporter.phase('source program', 'known runs', [RUNS[0]!]);
    reporter.span({ run: RUNS[0]!, phase: 'source program', from: 0, to: 1000 });
    reporter.observe(prediction(0, 100, 'face', 'healthy'));
    reporter.observe(prediction(100, 200, 'pocket', 'damaged'));
    // Straddles the end of the run: not scored.
    reporter.observe(prediction(900, 1100, 'pocket', 'healthy'));
    reporter.observe(prediction(300, 400, 'face', 'healthy'));
    reporter.phase('damaged tool', 'worn cutter', [RUNS[6]!]);
    reporter.drift({
      kind: 'alarm',
      cause: 'machine',
      step: 40,
      statistic: 0.0321,
      threshold: 0.01,
    });
    reporter.drift({ kind: 'sustained', cause: 'machine', step: 60, alarmSteps: 20 });
    reporter.observe({
      ...prediction(2000, 2100, 'face', 'healthy'),
      payload: { adapterVersion: 'a1' },
    } as unknown as Prediction);

    assert.match(lines[0]!, /== source program: known runs \(face_001\)/);
    assert.match(lines[1]!, /face_001 \(face, healthy\) \| 2 windows \| operation accuracy 0\.50/);
    assert.deepEqual(lines.slice(2), [
      '\n== damaged tool: worn cutter (damageface_001)',
      '  drift alarm (damaged tool): machine drift, MMD² 0.0321 over 0.0100 at window 40',
      '  drift sustained (damaged tool): machine drift for 20 windows',
      '  now serving adapter a1',
    ]);
    assert.deepEqual(reporter.summary(), [
      'source program: 3 windows, operation accuracy 0.67, drift alarms: none',
      'damaged tool: 0 windows, operation accuracy -, drift alarms: 1 machine drift',
    ]);
  });
});
