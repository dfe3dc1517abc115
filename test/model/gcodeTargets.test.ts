import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_VOCABULARY as vocabulary } from '../../src/gcode/vocabulary.js';
import { gcodeHeads, gcodeLabels, gcodeTargets } from '../../src/model/gcodeTargets.js';

function className(head: string, id: number): string | undefined {
  return gcodeHeads(vocabulary).find((h) => h.name === head)!.classes[id];
}

describe('gcodeTargets', () => {
  it('labels a line with a motion command', () => {
    const t = gcodeTargets('G1 Z-0.02 F13.3', vocabulary);
    assert.equal(className('gcodeType', t.gcodeType), 'command');
    assert.equal(className('gcodeCommand', t.gcodeCommand), 'G1');
    assert.equal(className('gcodeParameter', t.gcodeParameter), 'Z');
    assert.equal(t.gcodeValue, vocabulary.buckets.assign(-0.02).index);
  });

  it('labels a modal continuation line as starting with a parameter and no command', () => {
    const t = gcodeTargets('X3.275 Y0.3746 R0.083', vocabulary);
    assert.equal(className('gcodeType', t.gcodeType), 'parameter');
    assert.equal(className('gcodeCommand', t.gcodeCommand), 'none');
    assert.equal(className('gcodeParameter', t.gcodeParameter), 'X');
  });

  it('marks empty lines unknown and parses each distinct line once per batch', () => {
    const labels = gcodeLabels(['', 'G0 X1.', 'G0 X1.'], vocabulary);
    assert.equal(labels.gcodeType![0], -1);
    assert.equal(labels.gcodeCommand![1], labels.gcodeCommand![2]);
    assert.equal(className('gcodeCommand', labels.gcodeCommand![1]!), 'G0');
  });
});
