/**
 * Drift as the running daemon sees it, on recorded runs and the committed model: the daemon
 * (stream windower, inference, learning loop, drift tracker at the configured ERT) is fed the
 * held-out source runs of the model's drift calibration, then a second phase (by default the
 * damaged-tool runs), as a machine would send them: G-code lines and 32-row sensor messages,
 * 5 s between runs, paced by the daemon's own settling so no window is dropped. Reports the
 * windows scored per phase and where each drift episode started.
 * Run: nice -n 10 npx tsx bench/drift/daemonDrift.bench.ts [phase-2 runs or groups, comma
 * separated] [--programs] (--programs announces each run's program on the G-code stream).
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Subject } from 'rxjs';
import { loadConfig } from '../../src/config/loadConfig.js';
import { defaultDataDir, listRuns, type RunInfo } from '../../src/data/runCatalog.js';
import { readRun } from '../../src/data/runReader.js';
import { parseDriftDocument } from '../../src/drift/driftDocument.js';
import { selectRuns } from '../../src/drift/runEmbeddings.js';
import type { DriftEvent } from '../../src/drift/driftTracker.js';
import { silentLogger } from '../../src/log.js';
import { Daemon } from '../../src/service/daemon.js';
import type { InputEvent, InputSource, Reject } from '../../src/transports/inputSource.js';
import type { OutputSink } from '../../src/transports/outputSink.js';
import { runSteps } from '../../src/transports/replay/runMessages.js';

const MODEL = 'models/s1-standard';
const args = process.argv.slice(2);
const programs = args.includes('--programs');
const phase2 = (args.find((a) => !a.startsWith('--')) ?? 'damageface,damagepocket,damageadaptive')
  .split(',')
  .map((name) => name.trim());

const events$ = new Subject<InputEvent>();
/** Sensor messages whose windows are not all published yet: the pacing. */
let unsettled = 0;
const input: InputSource = {
  transport: 'mqtt',
  events$,
  rejects$: new Subject<Reject>(),
  start: () => Promise.resolve(),
  stopIntake: () => Promise.resolve(events$.complete()),
  stop: () => Promise.resolve(),
};
const sink: OutputSink = {
  start: () => Promise.resolve(),
  stop: () => Promise.resolve(),
  publish: () => Promise.resolve(),
};
const origin = { transport: 'mqtt', topic: 'bench' } as const;
function emit(event: Pick<InputEvent, 'stream' | 'payload'>): void {
  const counted = event.stream === 'sensors';
  if (counted) unsettled += 1;
  events$.next({
    ...event,
    origin,
    receivedAt: Date.now(),
    settle: () => Promise.resolve(void (counted && (unsettled -= 1))),
  } as InputEvent);
}

// A fresh state folder: a restored drift window or buffer would change what is measured.
const stateDir = await mkdtemp(join(tmpdir(), 'adaptd-bench-drift-'));
const { config } = loadConfig({
  configDir: '/nonexistent',
  env: {
    ADAPTD_MODEL_DIR: MODEL,
    ADAPTD_HTTP_PORT: '0',
    ADAPTD_DRIFT_DOMAIN_INTERVAL: '0',
    ADAPTD_STATE_DIR: stateDir,
  },
});
const daemon = new Daemon({
  config,
  logger: silentLogger,
  version: 'bench',
  transports: () => Promise.resolve({ inputs: [input], output: sink, connected: () => ({}) }),
  defaultMetrics: false,
});
await daemon.start();
let windows = 0;
daemon.predictions$.subscribe(() => (windows += 1));
const episodes: Array<{ window: number; run: string; runWindow: number; cause: string }> = [];
let current = { run: '', firstWindow: 0 };
daemon.learning.drift$.subscribe((event: DriftEvent) => {
  if (event.kind !== 'alarm') return;
  // The monitor's step counts every window scored since start: the alarming window's index.
  const window = event.step;
  episodes.push({
    window,
    run: current.run,
    runWindow: window - current.firstWindow,
    cause: event.cause,
  });
});

/** Waits until no window has been scored for a second. */
async function scored(): Promise<void> {
  let seen = -1;
  while (windows !== seen) {
    seen = windows;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

const doc = parseDriftDocument(JSON.parse(await readFile(join(MODEL, 'drift.json'), 'utf8')));
const heldOut = doc.thresholds?.replay?.find((check) => check.rotation === 0)?.runs ?? [];
const available = await listRuns(defaultDataDir());
const phases: Array<[string, RunInfo[]]> = [
  ['held-out source', selectRuns(available, heldOut)],
  ['phase 2', selectRuns(available, phase2)],
];

let ts = Date.now() - 24 * 3_600_000;
const report = [];
for (const [name, runs] of phases) {
  const startWindows = windows;
  const startEpisodes = episodes.length;
  for (const run of runs) {
    const frame = await readRun(run);
    current = { run: run.id, firstWindow: windows };
    if (programs) {
      const program = `${run.operation}${run.variant === '150025' ? '150025' : ''}`;
      emit({ stream: 'gcode', payload: { ts, line: 0, text: `(PROGRAM ${program})` } });
    }
    let last = ts;
    for (const step of runSteps(frame, ts + 1, 32)) {
      for (const line of step.gcode) emit({ stream: 'gcode', payload: line });
      emit({ stream: 'sensors', payload: { samples: [...step.samples] } });
      last = step.dueTs;
      while (unsettled > 8) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    // Past the windower's gap limit: no window spans two runs.
    ts = last + config.windows.maxGapMs + 1000;
    // Every window of the run scored before the next starts, so alarms fall in their run (the
    // run's last rows stay unsettled in the windower until the next run's rows end the stretch).
    await scored();
  }
  report.push({
    phase: name,
    runs: runs.map((run) => run.id),
    windows: windows - startWindows,
    episodes: episodes
      .slice(startEpisodes)
      .map((e) => ({ ...e, phaseWindow: e.window - startWindows })),
  });
}
await daemon.stop();
await rm(stateDir, { recursive: true, force: true });
const result = { model: MODEL, ert: config.drift.expectedRunTime, programs, phases: report };
await mkdir('bench/results', { recursive: true });
await writeFile('bench/results/daemon-drift.json', `${JSON.stringify(result, null, 1)}\n`);
for (const phase of report) {
  const first = phase.episodes[0];
  process.stdout.write(
    `${phase.phase}: ${phase.windows} windows over ${phase.runs.length} runs, ` +
      `${phase.episodes.length} drift episodes` +
      (first === undefined
        ? '\n'
        : `; first at window ${first.phaseWindow} of the phase (window ${first.runWindow} of ` +
          `${first.run}, cause ${first.cause})\n`),
  );
}
