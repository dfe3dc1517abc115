/**
 * Reads systemd unit files the way the deploy tests need: sections of keys, each key with every
 * value it was given in order (Environment= and DeviceAllow= repeat), and time spans in ms.
 */
import { readFileSync } from 'node:fs';

export type Unit = Map<string, Map<string, string[]>>;

/** Parses unit files in order; a later file (a drop-in) adds to the earlier ones. */
export function readUnit(...paths: string[]): Unit {
  const unit: Unit = new Map();
  for (const path of paths) {
    let section: Map<string, string[]> | undefined;
    for (const raw of readFileSync(path, 'utf8').split('\n')) {
      const line = raw.trim();
      if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
      const header = /^\[(.+)\]$/.exec(line);
      if (header !== null) {
        section = unit.get(header[1]!) ?? new Map<string, string[]>();
        unit.set(header[1]!, section);
        continue;
      }
      const eq = line.indexOf('=');
      if (section === undefined || eq < 0) throw new Error(`${path}: cannot read "${line}"`);
      const key = line.slice(0, eq);
      section.set(key, [...(section.get(key) ?? []), line.slice(eq + 1)]);
    }
  }
  return unit;
}

/** Every value of a key, [] when absent. */
export function values(unit: Unit, section: string, key: string): string[] {
  return unit.get(section)?.get(key) ?? [];
}

/** The value in force: the last one given. Throws when the key is absent. */
export function value(unit: Unit, section: string, key: string): string {
  const all = values(unit, section, key);
  if (all.length === 0) throw new Error(`[${section}] ${key}= is not set`);
  return all[all.length - 1]!;
}

/** Environment= assignments, later ones winning. */
export function environment(unit: Unit): Map<string, string> {
  const env = new Map<string, string>();
  for (const line of values(unit, 'Service', 'Environment')) {
    for (const assignment of line.split(/\s+/)) {
      const eq = assignment.indexOf('=');
      env.set(assignment.slice(0, eq), assignment.slice(eq + 1));
    }
  }
  return env;
}

const SPAN_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  sec: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
};

/** A systemd time span in ms: "90" (seconds), "30s", "3min", "1min 30s". */
export function timespanMs(span: string): number {
  let total = 0;
  for (const part of span.trim().split(/\s+/)) {
    const match = /^(\d+(?:\.\d+)?)([a-z]*)$/.exec(part);
    const factor = match === null ? undefined : SPAN_UNITS[match[2] === '' ? 's' : match[2]!];
    if (match === null || factor === undefined) throw new Error(`cannot read time span "${span}"`);
    total += Number(match[1]) * factor;
  }
  return total;
}
