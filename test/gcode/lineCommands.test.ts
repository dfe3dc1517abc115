import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseLine } from '../../src/gcode/gcodeParser.js';
import { readLineCommands } from '../../src/gcode/lineCommands.js';

const read = (text: string) => readLineCommands(parseLine(text));

describe('readLineCommands', () => {
  it('sorts commands by modal group and collects parameters', () => {
    const commands = read('G53 G0 G90 Z0. F40 M3 S12000');
    assert.deepEqual(Object.fromEntries(commands.byGroup), {
      motion: 'G0',
      distance: 'G90',
      spindle: 'M3',
    });
    assert.deepEqual(commands.nonModal, ['G53']);
    assert.deepEqual(Object.fromEntries(commands.parameters), { Z: 0, F: 40, S: 12000 });
    assert.deepEqual(commands.errors, []);
  });

  it('reports two commands of one modal group', () => {
    assert.deepEqual(read('G0 G1 X1').errors, [
      'G0 and G1 are both in the motion modal group; a line may hold one',
    ]);
    assert.match(read('G20 G21').errors[0] ?? '', /G20 and G21 .* units/);
    assert.match(read('M3 M5').errors[0] ?? '', /M3 and M5 .* spindle/);
  });

  it('allows mist and flood coolant together', () => {
    assert.deepEqual(read('M7 M8').errors, []);
    assert.match(read('M8 M9').errors[0] ?? '', /coolant/);
  });

  it('reports repeated parameters, unknown commands and too many M words', () => {
    assert.match(read('G1 X1 X2').errors[0] ?? '', /parameter X appears twice \("X2"\)/);
    assert.equal(read('G1 X1 X2').parameters.get('X'), 1);
    assert.match(read('G5.1 X1').errors[0] ?? '', /unsupported command "G5.1"/);
    assert.match(read('M3 M7 M6 M48 M2').errors[0] ?? '', /5 M words on one line; at most 4/);
  });

  it('reports a group-0 command and a motion both using the axis words', () => {
    assert.match(read('G92 G1 X0').errors[0] ?? '', /G92 and G1 both use the axis words/);
    assert.deepEqual(read('G28 G1').errors, []);
    assert.deepEqual(read('G53 G0 Z0').errors, []);
  });
});
