import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { parseLine } from '../../src/gcode/gcodeParser.js';
import { ModalState } from '../../src/gcode/modalState.js';
import { MOTION_LABELS, motionLabel } from '../../src/gcode/motionLabel.js';
import { detokenize, tokenize } from '../../src/gcode/tokenizer.js';

const DATASET = fileURLToPath(
  new URL('../../../shared/datasets/cnc-gcode-sensors', import.meta.url),
);
/** A face run (modal arcs), a pocket run (T2, G53, M30), an adaptive run (G90 G94 G17, M30). */
const RUNS = ['face_001', 'pocket150025_013', 'adaptive150025_005'];

interface Row {
  gcode_line: string;
  gcode_string: string;
  /** The controller's motion mode at the report: 0..3 = G0..G3, 4 = cancelled (G80). */
  momo: string;
}

interface Agreement {
  rows: number;
  labelled: number;
  agreeing: number;
}

function readRun(name: string): Row[] {
  const gzipped = readFileSync(join(DATASET, `${name}_aligned.csv.gz`));
  return parse(gunzipSync(gzipped), { columns: true }) as Row[];
}

/**
 * Replays the G-code lines of a run through ModalState, one apply per new line, and compares
 * its motion with `momo` on every status report. Reports sample the stream at about 3.9 Hz and
 * skip short lines; with `markGaps`, a jump in line number tells ModalState lines were missed.
 */
function measureAgreement(rows: Row[], markGaps: boolean): Agreement {
  const state = new ModalState();
  const result: Agreement = { rows: 0, labelled: 0, agreeing: 0 };
  let current = state.current();
  let previousKey = '';
  let previousLine: number | undefined;
  for (const row of rows) {
    if (row.gcode_string === '') continue;
    const key = `${row.gcode_line}|${row.gcode_string}`;
    if (key !== previousKey) {
      const lineNumber = Number(row.gcode_line);
      if (markGaps && previousLine !== undefined && lineNumber !== previousLine + 1) {
        state.linesMissed();
      }
      current = state.apply(parseLine(row.gcode_string));
      previousKey = key;
      previousLine = lineNumber;
    }
    if (row.momo === '') continue;
    const expected = row.momo === '4' ? 'G80' : MOTION_LABELS[Number(row.momo)];
    const mine = motionLabel(current) ?? (current.motionCommand === 'G80' ? 'G80' : undefined);
    result.rows += 1;
    if (mine === undefined) continue;
    result.labelled += 1;
    if (mine === expected) result.agreeing += 1;
  }
  return result;
}

function sum(parts: Agreement[]): Agreement {
  return parts.reduce((total, part) => ({
    rows: total.rows + part.rows,
    labelled: total.labelled + part.labelled,
    agreeing: total.agreeing + part.agreeing,
  }));
}

function describeAgreement(name: string, { rows, labelled, agreeing }: Agreement): string {
  const share = (part: number, whole: number) => (whole === 0 ? 'n/a' : (part / whole).toFixed(4));
  return (
    `${name}: ${rows} rows, labelled ${share(labelled, rows)}, ` +
    `agreeing ${share(agreeing, rows)} of all and ${share(agreeing, labelled)} of labelled`
  );
}

const skip = existsSync(DATASET) ? false : `recorded runs not found at ${DATASET}`;

describe('G-code layer on recorded runs', { skip }, () => {
  const runs = new Map<string, Row[]>();
  before(() => {
    for (const name of RUNS) runs.set(name, readRun(name));
  });

  it('parses every executed line without errors', () => {
    const failures: string[] = [];
    for (const [name, rows] of runs) {
      for (const text of new Set(rows.map((row) => row.gcode_string))) {
        const { errors } = parseLine(text);
        if (errors.length > 0) failures.push(`${name}: "${text}": ${errors.join('; ')}`);
      }
    }
    assert.deepEqual(failures, []);
  });

  it('gives back the same tokens after detokenize for every executed line', () => {
    const failures: string[] = [];
    for (const [name, rows] of runs) {
      for (const text of new Set(rows.map((row) => row.gcode_string))) {
        const tokens = tokenize(parseLine(text));
        const again = tokenize(parseLine(detokenize(tokens)));
        if (JSON.stringify(again) !== JSON.stringify(tokens)) failures.push(`${name}: "${text}"`);
      }
    }
    assert.deepEqual(failures, []);
  });

  it('follows the controller motion mode on most status reports', (t) => {
    const plain = RUNS.map((name) => measureAgreement(runs.get(name) ?? [], false));
    const gapped = RUNS.map((name) => measureAgreement(runs.get(name) ?? [], true));
    RUNS.forEach((name, index) => {
      t.diagnostic(describeAgreement(name, plain[index] as Agreement));
      t.diagnostic(describeAgreement(`${name} with gaps marked`, gapped[index] as Agreement));
    });
    const all = sum(plain);
    const allGapped = sum(gapped);
    t.diagnostic(describeAgreement('all', all));
    t.diagnostic(describeAgreement('all with gaps marked', allGapped));
    assert.ok(all.agreeing / all.rows >= 0.7, describeAgreement('all', all));
    assert.ok(all.agreeing / all.labelled >= 0.95, describeAgreement('all', all));
    assert.ok(
      allGapped.agreeing / allGapped.labelled >= 0.99,
      describeAgreement('gaps', allGapped),
    );
  });
});
