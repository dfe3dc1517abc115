import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseLine } from '../../src/gcode/gcodeParser.js';
import { ModalState, type LineState } from '../../src/gcode/modalState.js';
import { motionLabel } from '../../src/gcode/motionLabel.js';

/** Applies lines in order and returns the state after each. */
function run(lines: string[], state = new ModalState()): LineState[] {
  return lines.map((line) => state.apply(parseLine(line)));
}

describe('ModalState', () => {
  it('starts with unknown motion and the configured defaults', () => {
    const state = new ModalState({ units: 'mm' }).current();
    assert.equal(state.motion, undefined);
    assert.equal(state.units, 'mm');
    assert.equal(state.distance, 'absolute');
    assert.equal(state.plane, 'xy');
    assert.deepEqual(state.position, {});
  });

  it('carries the motion mode and feed to modal lines', () => {
    const states = run(['G0 X3.3121 Y0.0427', 'Z0.6', 'G1 Z0.025 F7.3', 'X3.3073 Z0.0103']);
    assert.deepEqual(
      states.map((s) => s.motion),
      [0, 0, 1, 1],
    );
    assert.equal(states[1]?.feed, undefined);
    assert.equal(states[3]?.feed, 7.3);
    assert.deepEqual(states[3]?.position, { x: 3.3073, y: 0.0427, z: 0.0103 });
  });

  it('applies arcs with R and with IJK in the selected plane', () => {
    const states = run([
      'G2 X-0.2084 Y0.1257 R0.083',
      'X-0.1254 Y0.2086 R0.083',
      'G3 X1 Y0 I0.5 J0',
    ]);
    assert.deepEqual(
      states.map((s) => [s.motion, s.errors]),
      [
        [2, []],
        [2, []],
        [3, []],
      ],
    );
    const zx = run(['G18 G2 X1 Z1 I0.5 K0.5']);
    assert.deepEqual(zx[0]?.errors, []);
    assert.equal(zx[0]?.plane, 'zx');
  });

  it('rejects an arc line that contradicts itself and keeps the state as it was', () => {
    const state = new ModalState();
    state.apply(parseLine('G1 X1 F10'));
    for (const [line, error] of [
      ['G2 X2 Y2', /G2 arc has neither R nor I\/J centre offsets/],
      ['G3 X2 Y2 R1 I1', /both R and I/],
      ['G2 X2 Z1 K1', /offset K is outside the XY plane; use I and J/],
      ['G1 X2 R1', /R only belong to arcs \(G2, G3\), not to G1/],
      ['G0 G1 X5', /G0 and G1/],
    ] as const) {
      const result = state.apply(parseLine(line));
      assert.equal(result.rejected, true, line);
      assert.match(result.errors[0] ?? '', error, line);
      assert.equal(result.motion, 1, line);
      assert.deepEqual(result.position, { x: 1 }, line);
    }
  });

  it('forgets the motion mode when a modal line shows that a line was missed', () => {
    const arcThenStraight = run(['G3 X0 Y-0.1257 R0.6382', 'X0.0119 Y-0.0499', 'Y1.8674']);
    assert.deepEqual(
      arcThenStraight.map((s) => s.motion),
      [3, undefined, undefined],
    );
    assert.equal(arcThenStraight[1]?.rejected, false);
    assert.match(arcThenStraight[1]?.errors[0] ?? '', /neither R .*; a line setting the motion/);
    assert.deepEqual(arcThenStraight[2]?.position, { x: 0.0119, y: 1.8674 });
    const straightThenArc = run(['G1 X-0.1254', 'X-0.1254 Y0.2086 R0.083', 'G2 X1 Y1 R1']);
    assert.deepEqual(
      straightThenArc.map((s) => s.motion),
      [1, undefined, 2],
    );
  });

  it('forgets the motion mode when told lines were missed', () => {
    const state = new ModalState();
    state.apply(parseLine('G1 X1'));
    state.linesMissed();
    assert.equal(state.apply(parseLine('X2')).motion, undefined);
    assert.equal(state.apply(parseLine('G0 X3')).motion, 0);
  });

  it('converts position and feed when the units switch', () => {
    const states = run(['G20 G1 X1 Y2 F10', 'G21', 'X50.8', 'G20']);
    assert.equal(states[1]?.units, 'mm');
    assert.deepEqual(states[1]?.position, { x: 25.4, y: 50.8 });
    assert.equal(states[1]?.feed, 254);
    assert.deepEqual(states[3]?.position, { x: 2, y: 2 });
    assert.equal(states[3]?.units, 'inch');
    assert.equal(states[3]?.feed, 10);
  });

  it('adds incremental moves to known axes only', () => {
    const states = run(['G1 X1', 'G91 X0.5 Y1', 'X0.25', 'G90 Y3']);
    assert.equal(states[1]?.distance, 'incremental');
    assert.deepEqual(states[1]?.position, { x: 1.5 });
    assert.deepEqual(states[2]?.position, { x: 1.75 });
    assert.deepEqual(states[3]?.position, { x: 1.75, y: 3 });
  });

  it('tracks spindle, tool, coordinate system and non-modal moves', () => {
    const states = run(['G55', 'T2', 'M3 S12000', 'G1 X1 Y1 Z1', 'G53 G0 Z0.', 'G92 Z0.5']);
    assert.equal(states[0]?.coordinateSystem, 'G55');
    assert.equal(states[1]?.tool, 2);
    assert.equal(states[2]?.spindle, 'cw');
    assert.equal(states[2]?.spindleSpeed, 12000);
    // G53 moves in machine coordinates, whose offset to work coordinates is unknown.
    assert.deepEqual(states[4]?.position, { x: 1, y: 1 });
    assert.equal(states[4]?.motion, 0);
    assert.deepEqual(states[5]?.position, { x: 1, y: 1, z: 0.5 });
    const switched = run(['G54 G1 X1', 'G55']);
    assert.deepEqual(switched[1]?.position, {});
  });

  it('cancels the motion mode at program end and restores the defaults, as g2core does', () => {
    const states = run(['G21 G91 G18 G1 X1 F100 M3 S1000', 'M30', 'X1']);
    assert.equal(states[1]?.programEnd, true);
    assert.equal(states[1]?.motion, undefined);
    assert.equal(states[1]?.motionCommand, 'G80');
    assert.equal(states[1]?.units, 'inch');
    assert.equal(states[1]?.distance, 'absolute');
    assert.equal(states[1]?.plane, 'xy');
    assert.equal(states[1]?.spindle, 'off');
    assert.equal(states[2]?.programEnd, false);
  });

  it('gives no G0-G3 motion for canned cycles and G80, and no position after them', () => {
    const states = run(['G1 X0 Y0 Z1', 'G81 X1 Y1 Z-0.1 R0.1', 'G80']);
    assert.equal(states[1]?.motionCommand, 'G81');
    assert.equal(states[1]?.motion, undefined);
    assert.deepEqual(states[1]?.position, {});
    assert.equal(states[2]?.motionCommand, 'G80');
  });

  it('returns snapshots that later lines do not change', () => {
    const state = new ModalState();
    const first = state.apply(parseLine('G1 X1'));
    state.apply(parseLine('X2'));
    assert.deepEqual(first.position, { x: 1 });
  });
});

describe('motionLabel', () => {
  it('names G0 to G3 and gives nothing for an unknown or cancelled mode', () => {
    assert.deepEqual(run(['G0 Z1', 'G1 Z0', 'G2 X1 R1', 'G3 X0 R1', 'G80']).map(motionLabel), [
      'G0',
      'G1',
      'G2',
      'G3',
      undefined,
    ]);
    assert.equal(motionLabel(new ModalState().current()), undefined);
  });
});
