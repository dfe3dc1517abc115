import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeResults } from '../../src/cli/evaluateCommand.js';
import type { EvaluationResults } from '../../src/evaluation/evaluationRun.js';
import { sourceModelName } from '../../src/evaluation/sourceModels.js';

function results(): EvaluationResults {
  return {
    plan: { scenarios: ['S1'], strategies: ['linear-probe'], seeds: [1], shots: [0, 5] },
    cells: [
      {
        scenario: 'S1',
        strategy: 'linear-probe',
        seed: 1,
        shots: 0,
        test: 0.5,
        check: 0.4,
        entropy: 0.3,
        trainableParameters: 195,
        seconds: 1,
      },
    ],
    references: [{ scenario: 'S1', seed: 1, sourceOnly: 0.36, sourceHeldOut: 1 }],
    skipped: [],
    sourceModels: { S1: 's1-seed1' },
    snapshots: [
      {
        scenario: 'S1',
        strategy: 'linear-probe',
        units: 1,
        before: { source: new Float32Array(1), target: new Float32Array(1) },
        after: { source: new Float32Array(1), target: new Float32Array(1) },
        targetClasses: new Int32Array(1),
        classNames: ['a'],
        shots: [],
      },
    ],
  };
}

describe('evaluation output', () => {
  it('writes the finished cells of a partial run, marked partial, without snapshots', async () => {
    const out = await mkdtemp(join(tmpdir(), 'adaptd-eval-'));
    try {
      await writeResults(out, 'adaptd evaluate', results(), true);
      const json = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as Record<
        string,
        unknown
      >;
      assert.equal(json.partial, true);
      assert.equal((json.cells as unknown[]).length, 1);
      assert.ok(!('snapshots' in json), 'embedding snapshots are not written to results.json');
      const md = await readFile(join(out, 'results.md'), 'utf8');
      assert.ok(md.startsWith('> Partial results'), 'a partial table says so at the top');
      assert.match(md, /\| linear-probe \| 0\.500 \| - \| 195 \|/);

      await writeResults(out, 'adaptd evaluate', results(), false);
      const done = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as {
        partial: boolean;
      };
      assert.equal(done.partial, false);
      const finished = await readFile(join(out, 'results.md'), 'utf8');
      assert.ok(finished.startsWith('# Evaluation results'), 'a finished table has no note');
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it('adds the run-vote table only when cells carry the vote', async () => {
    const out = await mkdtemp(join(tmpdir(), 'adaptd-eval-'));
    try {
      await writeResults(out, 'adaptd evaluate', results(), false);
      assert.doesNotMatch(await readFile(join(out, 'results.md'), 'utf8'), /voted within its run/);
      const voted = results();
      voted.cells[0]!.testRunVote = 0.75;
      voted.references[0]!.sourceOnlyRunVote = 0.4;
      await writeResults(out, 'adaptd evaluate', voted, false);
      const md = await readFile(join(out, 'results.md'), 'utf8');
      assert.match(md, /voted within its run/);
      assert.match(md, /\| source only \| 0\.400 \| 0\.400 \|/);
      assert.match(md, /\| linear-probe \| 0\.750 \| - \|/);
      const json = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as {
        cells: { testRunVote?: number }[];
      };
      assert.equal(json.cells[0]!.testRunVote, 0.75);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it('names source models by their modalities when they are not the default ones', () => {
    assert.equal(sourceModelName('s2-face-tool'), 's2-face-tool');
    assert.equal(
      sourceModelName('s2-face-tool', ['current', 'accel', 'gyro', 'magnet', 'vibration']),
      's2-face-tool',
    );
    const motion = sourceModelName('s2-face-tool', ['vibration', 'current', 'gyro', 'accel']);
    assert.equal(motion, 's2-face-tool-accel+current+gyro+vibration');
    assert.equal(
      sourceModelName('s2-face-tool', ['accel', 'current', 'gyro', 'vibration']),
      motion,
    );
  });
});
