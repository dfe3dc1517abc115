import { parseLine } from '../gcode/gcodeParser.js';
import { tokenize } from '../gcode/tokenizer.js';
import type { Vocabulary } from '../gcode/vocabulary.js';
import type { HeadConfig } from './modelConfig.js';

export const NONE = 'none';

/**
 * The G-code heads: for the line executing at a window's last row, the type of its
 * first token (a command word, or a parameter when the line continues the modal
 * motion), its first command, its first parameter letter and that parameter's value
 * bucket. The line stream labels these for free on any machine.
 */
export function gcodeHeads(vocabulary: Vocabulary): HeadConfig[] {
  return [
    { name: 'gcodeType', classes: [...vocabulary.tokenTypes], reads: 'end' },
    { name: 'gcodeCommand', classes: [...vocabulary.commands, NONE], reads: 'end' },
    { name: 'gcodeParameter', classes: [...vocabulary.parameters, NONE], reads: 'end' },
    { name: 'gcodeValue', classes: [...vocabulary.valueBuckets], reads: 'end' },
  ];
}

export interface GcodeTargets {
  gcodeType: number;
  gcodeCommand: number;
  gcodeParameter: number;
  gcodeValue: number;
}

/** Class ids of one line's G-code targets; -1 where the line gives none (empty or unknown). */
export function gcodeTargets(text: string, vocabulary: Vocabulary): GcodeTargets {
  const unknown = { gcodeType: -1, gcodeCommand: -1, gcodeParameter: -1, gcodeValue: -1 };
  if (text.trim() === '') return unknown;
  const tokens = tokenize(parseLine(text), vocabulary).filter((t) => t.type !== 'special');
  const first = tokens[0];
  if (first === undefined) return unknown;
  const command = tokens.find((t) => t.type === 'command');
  const parameterAt = tokens.findIndex((t) => t.type === 'parameter');
  const value = parameterAt >= 0 ? tokens[parameterAt + 1] : undefined;
  return {
    gcodeType: vocabulary.headLabel(first).type,
    gcodeCommand:
      command === undefined ? vocabulary.commands.length : vocabulary.headLabel(command).index,
    gcodeParameter:
      parameterAt < 0
        ? vocabulary.parameters.length
        : vocabulary.headLabel(tokens[parameterAt]!).index,
    gcodeValue: value?.type === 'value' ? value.bucket : -1,
  };
}

/** Targets for many lines (each distinct text parsed once), by head name. */
export function gcodeLabels(
  texts: readonly string[],
  vocabulary: Vocabulary,
): Record<string, Int32Array> {
  const cache = new Map<string, GcodeTargets>();
  const out = {
    gcodeType: new Int32Array(texts.length),
    gcodeCommand: new Int32Array(texts.length),
    gcodeParameter: new Int32Array(texts.length),
    gcodeValue: new Int32Array(texts.length),
  };
  texts.forEach((text, i) => {
    let targets = cache.get(text);
    if (targets === undefined) {
      targets = gcodeTargets(text, vocabulary);
      cache.set(text, targets);
    }
    out.gcodeType[i] = targets.gcodeType;
    out.gcodeCommand[i] = targets.gcodeCommand;
    out.gcodeParameter[i] = targets.gcodeParameter;
    out.gcodeValue[i] = targets.gcodeValue;
  });
  return out;
}
