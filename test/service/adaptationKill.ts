import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, watch } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import { parseAdaptationDocument } from '../../src/adaptation/adaptationState.js';
import { readAdapterFolder } from '../../src/adaptation/adapterStore.js';
import type { PredictionMessage } from '../../src/transports/messages/predictionMessage.js';
import { withDeadline } from '../support/deadline.js';
import { uniqueName } from '../support/services.js';
import { quietFor } from '../transports/collector.js';
import { sample } from '../windows/fixtures.js';
import { startChild, stopChild } from './daemonKill.js';

const MACHINE = 'mill-adapt-kill';

/** Where in an adaptation run a kill landed, from the run's events and the disk. */
export type KillPhase = 'training' | 'scoring' | 'promotion' | 'between runs';

/** How far a promotion had gone on disk when the kill landed. */
export type PromotionStep =
  | 'before the version write'
  | 'inside the version write'
  | 'version written, state not'
  | 'inside the state write'
  | 'state written';

export interface AdaptationKillOptions {
  /** mqtt:// of the broker the daemon and the machine's side use. */
  mqttUrl: string;
  /** A model artifact with windows of 16 rows that ships a source holdout. */
  modelDir: string;
  stateDir: string;
  kills: number;
  random: () => number;
  /** Told of each kill once its restart was checked (progress of long runs). */
  onKill?: (kill: KillRecord, index: number) => void;
}

export interface KillRecord {
  /** The phase aimed at. */
  target: Exclude<KillPhase, 'between runs'>;
  phase: KillPhase;
  /** For kills in the promotion phase: how far the promotion had gone on disk. */
  step?: PromotionStep;
  /** Time from the event the kill waited for (or the new version's folder) to the kill. */
  delayMs: number;
  /** The champion adaptation.json named after the kill, and the one served after restart. */
  championOnDisk: string | null;
  championRestored: string | null;
  /** From spawning the daemon again to its 'daemon ready' log line, and to its first prediction. */
  readyMs: number;
  restartMs: number;
}

export interface AdaptationKillResult {
  kills: KillRecord[];
  phases: Record<string, number>;
  steps: Record<string, number>;
  /** Promotions the events topic announced, over every run of every process. */
  promotions: number;
  /** Median length of each phase over the runs that got through it (ms, from the events). */
  phaseMs: Record<string, number>;
  /** Versions on disk at the end and the champion then. */
  versions: string[];
  champion: string | null;
  /** Everything that was not consistent after a kill; empty when all held. */
  problems: string[];
}

/**
 * The event each aimed phase starts with and the one it ends with; a kill comes at a random
 * moment within the phase's shortest measured length after the first (spanMs until one was
 * measured), so that it lands inside the phase. Scored is published right before the decision,
 * the version write and the state write: every second kill aimed at the promotion comes instead
 * within STATE_WRITE_MS after the new version's folder appears, around the state write.
 */
const AIM = {
  training: { after: 'adaptation.started', ends: 'adaptation.trained', spanMs: 3000 },
  scoring: { after: 'adaptation.trained', ends: 'adaptation.scored', spanMs: 400 },
  promotion: { after: 'adaptation.scored', ends: 'adaptation.promoted', spanMs: 60 },
} as const;
const TARGETS = ['training', 'scoring', 'promotion'] as const;
/** Span after a new version's folder appears in which a late promotion kill comes. */
const STATE_WRITE_MS = 12;
/** Time after a start in which the feeder fills the target buffer (minTargetWindows). */
const FILL_MS = 1500;

const VERSION = /^a([1-9][0-9]*)$/;

/** Environment of `adaptd run` for the loop: adaptation every half second, every challenger promoted. */
function daemonEnv(options: AdaptationKillOptions, prefix: string): Record<string, string> {
  return {
    ADAPTD_MACHINE_ID: MACHINE,
    ADAPTD_MODEL_DIR: options.modelDir,
    ADAPTD_STATE_DIR: options.stateDir,
    ADAPTD_MQTT_URL: options.mqttUrl,
    ADAPTD_MQTT_TOPIC_PREFIX: prefix,
    ADAPTD_MQTT_CLIENT_ID: `${prefix.replaceAll('/', '-')}-daemon`,
    ADAPTD_WINDOW_LENGTH: '16',
    ADAPTD_WINDOW_STRIDE: '8',
    ADAPTD_WINDOW_REORDER_ROWS: '0',
    ADAPTD_HTTP_PORT: '0',
    ADAPTD_LOG_LEVEL: 'info',
    ADAPTD_BACKEND: 'cpu',
    ADAPTD_LABELS_HOLDOUT_EVERY: '0',
    ADAPTD_ADAPTATION_INTERVAL_MS: '500',
    ADAPTD_ADAPTATION_DRIFT_TRIGGER: 'false',
    ADAPTD_ADAPTATION_STEPS: '20',
    ADAPTD_ADAPTATION_BATCH_SIZE: '16',
    ADAPTD_ADAPTATION_MIN_TARGET_WINDOWS: '32',
    // A crash test, not a quality test: the gate lets every challenger through, label-free
    // resets come every third run, and pruning runs, so that every kind of state write happens.
    ADAPTD_ADAPTATION_MIN_EFFECTIVE_CLASSES: '0',
    ADAPTD_ADAPTATION_MAX_CLASS_SHARE: '1',
    ADAPTD_ADAPTATION_MIN_MEAN_ENTROPY: '0',
    ADAPTD_ADAPTATION_SOURCE_TOLERANCE: '1',
    ADAPTD_ADAPTATION_LABEL_FREE_LIMIT: '2',
    ADAPTD_ADAPTATION_KEEP_ADAPTERS: '3',
    ADAPTD_ADAPTATION_PROBATION_WINDOWS: '0',
  };
}

interface EventSeen {
  kind: string;
  at: number;
  /** Highest version number on disk when a run started (for adaptation.started). */
  highest?: number;
}

/**
 * Runs `adaptd run` as a child process over MQTT while a feeder streams sensor rows, with
 * adaptation runs back to back, and kills it with SIGKILL `kills` times: in turn while it
 * trains, while it scores and right around the promotion (a random moment after the event that
 * opens the phase). After each kill it reads what the disk holds, restarts the daemon on the
 * same state folder and checks the restart: adaptation.json whole and naming the champion the
 * disk held, the champion's and every history version's folder verifying, no staging folder or
 * work folder of an earlier process left, nothing set aside as damaged, and a prediction served
 * by the restored champion. A last daemon must adapt again and stop cleanly.
 */
export async function adaptationKillLoop(
  options: AdaptationKillOptions,
): Promise<AdaptationKillResult> {
  const prefix = `adaptd-it/${uniqueName('adapt-kill')}`;
  const topic = (stream: string) => `${prefix}/${MACHINE}/${stream}`;
  const adapters = join(options.stateDir, 'adapters');
  const client = await connectAsync(options.mqttUrl, {
    clientId: uniqueName('machine'),
    reconnectPeriod: 0,
  });
  let events: EventSeen[] = [];
  let predictions: PredictionMessage[] = [];
  let promotions = 0;
  client.on('message', (name, payload) => {
    const message = JSON.parse(payload.toString('utf8')) as Record<string, unknown>;
    if (name === topic('predictions')) {
      predictions.push(message as unknown as PredictionMessage);
      return;
    }
    const kind = String(message['kind']);
    if (kind === 'adaptation.promoted') promotions += 1;
    const seen: EventSeen = { kind, at: Date.now() };
    // Read at once (the run trains for seconds before it writes a version).
    if (kind === 'adaptation.started') seen.highest = highestVersion(adapters);
    events.push(seen);
  });
  await client.subscribeAsync([topic('events'), topic('predictions')], { qos: 1 });
  // The machine: 20 rows every 50 ms (50 windows a second), stamped with the wall clock.
  let row = 0;
  let lastTs = 0;
  const feeder = setInterval(() => {
    const samples = Array.from({ length: 20 }, () => {
      lastTs = Math.max(lastTs + 1, Date.now());
      row += 1;
      return { ...sample(row % 200), ts: lastTs };
    });
    client.publishAsync(topic('sensors'), JSON.stringify({ samples })).catch(() => undefined);
  }, 50);
  const env = daemonEnv(options, prefix);
  const problems: string[] = [];
  const kills: KillRecord[] = [];
  const durations = {
    training: [] as number[],
    scoring: [] as number[],
    promotion: [] as number[],
  };
  let child: ChildProcess | undefined;
  let expected: string | null = null;

  let ready = 0;
  /** Starts the daemon, checks what it restored; returns the champion and the time taken. */
  const restart = async (label: string) => {
    const spawned = Date.now();
    events = [];
    const started = await startChild(env);
    child = started.child;
    ready = Date.now();
    const readyMs = ready - spawned;
    predictions = [];
    const restored = await checkRestart(options.stateDir, child.pid!, expected, label, problems);
    const first = await withDeadline(
      (async () => {
        while (predictions.length === 0) await quietFor(20);
        return predictions[0]!;
      })(),
      30_000,
      `${label}: a prediction after the restart`,
    );
    if (first.adapterVersion !== restored) {
      problems.push(`${label}: served ${first.adapterVersion}, restored ${restored}`);
    }
    return { restored, readyMs, restartMs: Date.now() - spawned };
  };

  try {
    let { restored, readyMs, restartMs } = await restart('first start');
    for (let k = 0; k < options.kills; k += 1) {
      const target = TARGETS[k % TARGETS.length]!;
      const aim = AIM[target];
      const opened = await withDeadline(
        (async () => {
          for (;;) {
            // The first runs after a start fail while the buffer fills: aim at a later one.
            const event = events.find((e) => e.kind === aim.after && e.at > ready + FILL_MS);
            if (event !== undefined) return event;
            await quietFor(5);
          }
        })(),
        120_000,
        `kill ${k + 1}: ${aim.after}`,
      );
      const measured = durations[target].length === 0 ? [aim.spanMs] : durations[target];
      const late = target === 'promotion' && Math.floor(k / TARGETS.length) % 2 === 1;
      let from = opened.at;
      if (late) {
        const highest = eventsOfLastRun(events)[0]?.highest ?? 0;
        from = await folderAppears(adapters, `a${highest + 1}`, 10_000);
      }
      const delayMs = Math.floor(
        options.random() * (late ? STATE_WRITE_MS : Math.min(...measured)),
      );
      await quietFor(Math.max(0, from + delayMs - Date.now()));
      const runEvents = eventsOfLastRun(events);
      noteDurations(events, durations);
      await stopChild(child!, 'SIGKILL');
      const disk = await crashState(options.stateDir, runEvents, `kill ${k + 1}`, problems);
      const phase = laterPhase(phaseOf(runEvents), disk.step);
      expected = disk.champion;
      ({ restored, readyMs, restartMs } = await restart(`kill ${k + 1}`));
      const record: KillRecord = {
        target,
        phase,
        ...(phase === 'promotion' ? { step: disk.step } : {}),
        delayMs,
        championOnDisk: disk.champion,
        championRestored: restored,
        readyMs,
        restartMs,
      };
      kills.push(record);
      options.onKill?.(record, k);
    }
    // The last daemon adapts again and stops cleanly, leaving no work folder.
    const before = promotions;
    await withDeadline(
      (async () => {
        while (promotions === before) await quietFor(20);
      })(),
      120_000,
      'a promotion after the last restart',
    );
    await stopChild(child!, 'SIGTERM');
    const work = await readdir(join(options.stateDir, 'work')).catch(() => [] as string[]);
    if (work.length > 0) problems.push(`after the last stop, work holds ${work.join(', ')}`);
    const last = parseAdaptationDocument(
      await readFile(join(options.stateDir, 'adaptation.json'), 'utf8'),
    );
    return {
      kills,
      phases: countBy(kills.map((k) => k.phase)),
      steps: countBy(kills.flatMap((k) => (k.step === undefined ? [] : [k.step]))),
      promotions,
      phaseMs: Object.fromEntries(TARGETS.map((phase) => [phase, median(durations[phase])])),
      versions: versionsIn(adapters),
      champion: last.ok ? last.state.champion : null,
      problems,
    };
  } finally {
    clearInterval(feeder);
    if (child !== undefined) await stopChild(child, 'SIGKILL').catch(() => undefined);
    await client.endAsync(true);
  }
}

/**
 * Resolves with the time `name` appeared in `dir` (a version renamed into place), at once
 * when it is there; after `ms` without it, with the time then (the run wrote no version).
 */
function folderAppears(dir: string, name: string, ms: number): Promise<number> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      watcher.close();
      resolve(Date.now());
    };
    const watcher = watch(dir, (_, file) => {
      if (file === name) done();
    });
    const timer = setTimeout(done, ms);
    if (existsSync(join(dir, name))) done();
  });
}

function versionsIn(adapters: string): string[] {
  let names: string[] = [];
  try {
    names = readdirSync(adapters);
  } catch {
    return [];
  }
  return names.filter((n) => VERSION.test(n)).sort((a, b) => number(a) - number(b));
}

function number(version: string): number {
  return Number(VERSION.exec(version)![1]);
}

function highestVersion(adapters: string): number {
  const versions = versionsIn(adapters);
  return versions.length === 0 ? 0 : number(versions.at(-1)!);
}

/** The events from the latest adaptation.started on. */
function eventsOfLastRun(events: readonly EventSeen[]): EventSeen[] {
  const start = events.findLastIndex((e) => e.kind === 'adaptation.started');
  return start < 0 ? [] : events.slice(start);
}

/** The phase the last event of a run opened. */
function phaseOf(run: readonly EventSeen[]): KillPhase {
  const phases: Record<string, KillPhase> = {
    'adaptation.started': 'training',
    'adaptation.trained': 'scoring',
    'adaptation.scored': 'promotion',
  };
  return phases[run.at(-1)?.kind ?? ''] ?? 'between runs';
}

/** The disk can show a run further than its events (they come a moment late). */
function laterPhase(phase: KillPhase, step: PromotionStep): KillPhase {
  if (phase === 'between runs' || step === 'before the version write') return phase;
  return 'promotion';
}

/** How long each phase took in the runs that got past it (from the events' arrival). */
function noteDurations(
  events: readonly EventSeen[],
  durations: Record<keyof typeof AIM, number[]>,
): void {
  const starts = events.flatMap((e, i) => (e.kind === 'adaptation.started' ? [i] : []));
  for (const [n, start] of starts.entries()) {
    const run = events.slice(start, starts[n + 1] ?? events.length);
    const at = (kind: string) => run.find((e) => e.kind === kind)?.at;
    for (const phase of TARGETS) {
      const [from, to] = [at(AIM[phase].after), at(AIM[phase].ends)];
      if (from !== undefined && to !== undefined) durations[phase].push(to - from);
    }
  }
}

/**
 * What the killed daemon left: the champion adaptation.json names (it must be whole) and how
 * far the killed run's promotion got, from the version it would have written.
 */
async function crashState(
  stateDir: string,
  run: readonly EventSeen[],
  label: string,
  problems: string[],
): Promise<{ champion: string | null; step: PromotionStep }> {
  const text = await readFile(join(stateDir, 'adaptation.json'), 'utf8').catch(() => undefined);
  const parsed = text === undefined ? undefined : parseAdaptationDocument(text);
  let champion: string | null = null;
  if (parsed !== undefined && !parsed.ok) {
    problems.push(`${label}: the kill left adaptation.json ${parsed.reason}`);
  } else if (parsed !== undefined) {
    champion = parsed.state.champion;
  }
  const highest = run.find((e) => e.kind === 'adaptation.started')?.highest;
  if (highest === undefined) return { champion, step: 'before the version write' };
  const next = `a${highest + 1}`;
  const entries = await readdir(join(stateDir, 'adapters')).catch(() => [] as string[]);
  const folder = await readdir(stateDir);
  let step: PromotionStep = 'before the version write';
  if (entries.some((e) => e.startsWith(`${next}.staging-`))) step = 'inside the version write';
  if (entries.includes(next)) {
    step = 'version written, state not';
    if (folder.some((e) => /^\.adaptation(\.previous)?\.json\..*\.tmp$/.test(e))) {
      step = 'inside the state write';
    }
    if (champion === next) step = 'state written';
  }
  return { champion, step };
}

/**
 * Checks a restarted daemon's state: adaptation.json whole and naming `expected` (the champion
 * on disk at the kill); the champion's and the history's folders verifying; no staging
 * folders, no work folder of another process, nothing set aside. Returns the champion.
 */
async function checkRestart(
  stateDir: string,
  pid: number,
  expected: string | null,
  label: string,
  problems: string[],
): Promise<string | null> {
  const text = await readFile(join(stateDir, 'adaptation.json'), 'utf8').catch(() => undefined);
  if (text === undefined) {
    if (expected !== null) problems.push(`${label}: no adaptation.json, expected ${expected}`);
    return null;
  }
  const parsed = parseAdaptationDocument(text);
  if (!parsed.ok) {
    problems.push(`${label}: adaptation.json ${parsed.reason} after the restart`);
    return null;
  }
  const { champion, history } = parsed.state;
  if (champion !== expected) {
    problems.push(`${label}: champion ${champion} restored, ${expected} was on disk`);
  }
  for (const version of [champion, ...history]) {
    if (version === null) continue;
    await readAdapterFolder(join(stateDir, 'adapters', version)).catch((error: unknown) => {
      problems.push(`${label}: ${version} does not verify: ${(error as Error).message}`);
    });
  }
  const adapters = await readdir(join(stateDir, 'adapters')).catch(() => [] as string[]);
  const stray = adapters.filter((name) => !VERSION.test(name));
  if (stray.length > 0) problems.push(`${label}: adapters holds ${stray.join(', ')}`);
  const work = await readdir(join(stateDir, 'work')).catch(() => [] as string[]);
  const earlier = work.filter((name) => !name.startsWith(`run-${pid}-`));
  if (earlier.length > 0) problems.push(`${label}: work holds ${earlier.join(', ')}`);
  const quarantined = await readdir(join(stateDir, 'quarantine')).catch(() => [] as string[]);
  if (quarantined.length > 0) problems.push(`${label}: set aside ${quarantined.join(', ')}`);
  return champion;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.floor(sorted.length / 2)]!;
}

function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}
