/**
 * Reads a Dockerfile into its build stages, enough for the deploy tests to check what an image
 * promises without building it: continuation lines joined, comments dropped, global ARG
 * defaults substituted into FROM.
 */
import { readFileSync } from 'node:fs';

export interface Instruction {
  keyword: string;
  args: string;
}

export interface Stage {
  name: string;
  /** The base image or stage name, with global ARG defaults filled in. */
  from: string;
  instructions: Instruction[];
}

function instructions(text: string): Instruction[] {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && pending === '')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    logical.push(pending + line);
    pending = '';
  }
  return logical.map((line) => {
    const space = line.search(/\s/);
    return { keyword: line.slice(0, space).toUpperCase(), args: line.slice(space + 1).trim() };
  });
}

export function readStages(path: string): Stage[] {
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  for (const instruction of instructions(readFileSync(path, 'utf8'))) {
    if (instruction.keyword === 'FROM') {
      const [image, as, name] = instruction.args.split(/\s+/);
      const from = image!.replace(/\$\{(\w+)\}/g, (_, arg: string) => args.get(arg) ?? '');
      stages.push({ name: as?.toUpperCase() === 'AS' ? name! : '', from, instructions: [] });
    } else if (stages.length === 0 && instruction.keyword === 'ARG') {
      const [key, value] = instruction.args.split('=');
      args.set(key!, value ?? '');
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return stages;
}

/** The stage's arguments of one instruction, in order. */
export function argsOf(stage: Stage, keyword: string): string[] {
  return stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
}

/** ENV assignments of a stage (KEY=value form), later ones winning. */
export function envOf(stage: Stage): Map<string, string> {
  const env = new Map<string, string>();
  for (const args of argsOf(stage, 'ENV')) {
    for (const assignment of args.split(/\s+/)) {
      const eq = assignment.indexOf('=');
      if (eq > 0) env.set(assignment.slice(0, eq), assignment.slice(eq + 1));
    }
  }
  return env;
}
