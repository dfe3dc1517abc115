import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { defaultDataDir, listRuns } from '../../src/data/runCatalog.js';
import { readRun } from '../../src/data/runReader.js';
import { DEFAULT_VOCABULARY } from '../../src/gcode/vocabulary.js';
import { GcodeLabeller } from '../../src/learning/gcodeLabeller.js';
import { gcodeTargets } from '../../src/model/gcodeTargets.js';
import { runSteps } from '../../src/transports/replay/runMessages.js';
import type { GcodeLine } from '../../src/windows/gcodeTimeline.js';

let clock = 1_700_000_000_000;

/** Feeds lines (text per line number, 1 s apart) and returns the lines as windows see them. */
function feed(labeller: GcodeLabeller, lines: Array<[number, string]>): GcodeLine[] {
  return lines.map(([line, text]) => {
    const entry = { ts: (clock += 1000), line, text };
    labeller.observe(entry);
    return entry;
  });
}

describe('GcodeLabeller', () => {
  it('labels each row with the modal motion of its line', () => {
    const labeller = new GcodeLabeller();
    const lines = feed(labeller, [
      [10, 'G0 X1 Y1'],
      [11, 'Z0.1'],
      [12, 'G1 Z-0.1 F10'],
      [13, 'X2'],
      [14, 'G2 X3 Y2 R1'],
      [15, 'X4 Y3 R1'],
    ]);
    const steps = labeller.motionSteps({ gcode: [undefined, ...lines] });
    assert.deepEqual([...steps], [-1, 0, 0, 1, 1, 2, 2], 'G0 G0 G1 G1 G2 G2, unknown before');
  });

  it('leaves motion unknown after missed lines until a line sets it again', () => {
    const labeller = new GcodeLabeller();
    const lines = feed(labeller, [
      [10, 'G1 X1 F10'],
      [14, 'X2 Y2'],
      [15, 'G0 Z1'],
      [16, 'X0'],
    ]);
    assert.deepEqual([...labeller.motionSteps({ gcode: lines })], [1, -1, 0, 0], 'jump 10 -> 14');
  });

  it('takes the program from a PROGRAM comment or an O word and the tool from a T word', () => {
    const labeller = new GcodeLabeller();
    const [first] = feed(labeller, [[1, '(PROGRAM face150025)']]);
    assert.deepEqual(labeller.contextOf({ gcode: [first] }), { programId: 'face150025' });
    const [second] = feed(labeller, [[1, 'O1234 T2']]);
    assert.deepEqual(labeller.contextOf({ gcode: [second] }), { programId: 'O1234', tool: '2' });
    assert.deepEqual(
      labeller.contextOf({ gcode: [first] }),
      { programId: 'face150025' },
      'a window keeps the context of its own lines',
    );
    assert.deepEqual(labeller.contextOf({ gcode: [undefined] }), labeller.context, 'latest');
  });

  it("gives the G-code heads' classes of the line at the window's last row", () => {
    const labeller = new GcodeLabeller();
    const lines = feed(labeller, [[1, 'G1 X1 F10']]);
    const targets = labeller.lineTargets({ gcode: [undefined, ...lines] })!;
    assert.deepEqual(targets, gcodeTargets('G1 X1 F10', DEFAULT_VOCABULARY), 'as pretraining');
    assert.ok(targets.gcodeCommand >= 0, 'a known command');
    assert.equal(labeller.lineTargets({ gcode: [lines[0], undefined] }), undefined, 'no line');
  });

  const folder = defaultDataDir();
  it(
    'agrees with the controller-reported motion mode on recorded runs where it labels',
    { skip: existsSync(folder) ? false : `data folder ${folder} is absent` },
    async (t) => {
      const runs = (await listRuns(folder)).filter((run) =>
        ['face_001', 'pocket150025_012', 'adaptive_003'].includes(run.id),
      );
      assert.equal(runs.length, 3, 'three runs found');
      let labelled = 0;
      let agree = 0;
      let rows = 0;
      for (const run of runs) {
        const frame = await readRun(run);
        const labeller = new GcodeLabeller();
        const at: Array<GcodeLine | undefined> = [];
        let current: GcodeLine | undefined;
        for (const step of runSteps(frame, 1_700_000_000_000, 1)) {
          for (const line of step.gcode) {
            labeller.observe(line);
            current = line;
          }
          at.push(current);
        }
        const steps = labeller.motionSteps({ gcode: at });
        steps.forEach((motion, r) => {
          const momo = frame.motion[r] ?? -1;
          if (momo < 0 || momo > 3) return;
          rows += 1;
          if (motion < 0) return;
          labelled += 1;
          if (motion === momo) agree += 1;
        });
      }
      const coverage = labelled / rows;
      const agreement = agree / labelled;
      assert.ok(coverage > 0.5, `G-code labels ${(100 * coverage).toFixed(1)}% of rows`);
      assert.ok(agreement > 0.95, `agreement with momo ${(100 * agreement).toFixed(1)}%`);
      t.diagnostic(
        `coverage ${(100 * coverage).toFixed(1)}%, agreement ${(100 * agreement).toFixed(1)}%`,
      );
    },
  );
});
