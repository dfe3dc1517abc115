import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { METRICS } from '../../src/metrics/metricCatalog.js';
import { service, servicesSkip, uniqueName } from '../support/services.js';
import { saveTinyBundle } from '../support/tinyBundle.js';
import { NORMALISER, SCHEMA } from '../windows/fixtures.js';
import { bedConfig, promtoolCheck, startDaemon } from '../service/daemonBed.js';
import {
  dashboardExpressions,
  ruleExpressions,
  selectedMetrics,
  type Expression,
} from './promqlExpressions.js';
import { runTool } from './runTool.js';

const DASHBOARD = 'deploy/grafana/dashboards/adaptd.json';
const RULES = 'deploy/prometheus/rules/adaptd.yml';
const expressions: Expression[] = [...dashboardExpressions(DASHBOARD), ...ruleExpressions(RULES)];
/** Series Prometheus writes itself for every target; no exporter has them. */
const SCRAPE_SERIES = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped']);
const HISTOGRAM_SERIES = /_(bucket|sum|count)$/;

/** The metric family a selected series belongs to, given the families that exist. */
function familyOf(name: string, families: ReadonlySet<string>): string {
  const base = name.replace(HISTOGRAM_SERIES, '');
  return families.has(base) ? base : name;
}

/** Every (expression, metric) pair, so a failure names where the metric is used. */
function selections(): Array<{ where: string; metric: string }> {
  return expressions.flatMap((e) =>
    selectedMetrics(e).map((metric) => ({ where: e.where, metric })),
  );
}

describe('dashboard and alert expressions', () => {
  it('all parse as PromQL, each selecting at least one metric', () => {
    assert.ok(expressions.length >= 30, `only ${expressions.length} expressions found`);
    for (const expression of expressions) {
      assert.ok(selectedMetrics(expression).length > 0, `${expression.where} selects nothing`);
    }
  });

  it('select only adaptd metrics that are in the catalogue', () => {
    const catalogued = new Set<string>(Object.values(METRICS).map((m) => m.name));
    for (const { where, metric } of selections()) {
      if (!metric.startsWith('adaptd_')) continue;
      assert.ok(
        catalogued.has(familyOf(metric, catalogued)),
        `${where} selects ${metric}, which src/metrics/metricCatalog.ts does not list`,
      );
    }
  });

  it('chart what the issue asks for and alert on each condition it names', () => {
    const charted = new Set(dashboardExpressions(DASHBOARD).flatMap((e) => selectedMetrics(e)));
    const wanted = [
      'adaptd_drift_statistic',
      'adaptd_drift_threshold',
      'adaptd_adaptation_runs_total',
      'adaptd_promotions_total',
      'adaptd_prediction_confidence_bucket',
      'adaptd_class_share_ratio',
      'adaptd_window_latency_seconds_bucket',
      'adaptd_messages_rejected_total',
      'adaptd_tensors',
      'process_resident_memory_bytes',
      'adaptd_broker_connected',
    ];
    for (const metric of wanted) assert.ok(charted.has(metric), `no panel shows ${metric}`);
    const alerts = ruleExpressions(RULES).map((e) => e.where.split(' ').pop());
    for (const alert of [
      'AdaptdDriftSustained',
      'AdaptdAdaptationFailing',
      'AdaptdRollback',
      'AdaptdInputStale',
      'AdaptdTensorGrowth',
      'AdaptdBrokerDisconnected',
    ]) {
      assert.ok(alerts.includes(alert), `no alert ${alert}`);
    }
  });

  it('lays the panels out with unique ids and without overlap', () => {
    interface Placed {
      id: number;
      title: string;
      gridPos: { x: number; y: number; w: number; h: number };
    }
    const panels = (JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Placed[] }).panels;
    const ids = panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, 'duplicate panel ids');
    for (const [i, a] of panels.entries()) {
      assert.ok(a.gridPos.x + a.gridPos.w <= 24, `${a.title} is wider than the grid`);
      for (const b of panels.slice(i + 1)) {
        const apart =
          a.gridPos.x + a.gridPos.w <= b.gridPos.x ||
          b.gridPos.x + b.gridPos.w <= a.gridPos.x ||
          a.gridPos.y + a.gridPos.h <= b.gridPos.y ||
          b.gridPos.y + b.gridPos.h <= a.gridPos.y;
        assert.ok(apart, `panels "${a.title}" and "${b.title}" overlap`);
      }
    }
  });
});

describe('deploy/prometheus with promtool', { skip: servicesSkip() }, () => {
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'adaptd-promql-'));
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('checks the configuration and the alert rules', { timeout: 30_000 }, async () => {
    const config = await runTool(service('promtool'), [
      'check',
      'config',
      'deploy/prometheus/prometheus.yml',
    ]);

    assert.equal(config.code, 0, config.stdout + config.stderr);
    assert.match(config.stdout, /SUCCESS: 7 rules found/);
  });

  it('passes the rules unit tests in deploy/prometheus/tests', { timeout: 60_000 }, async () => {
    const result = await runTool(service('promtool'), [
      'test',
      'rules',
      'deploy/prometheus/tests/adaptd.test.yml',
    ]);

    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /SUCCESS/);
  });

  it("parses every dashboard expression with Prometheus' parser", { timeout: 30_000 }, async () => {
    // promtool has no check for a bare expression; as recording rules they meet its parser.
    const rules = dashboardExpressions(DASHBOARD).map((e, i) => ({
      record: `adaptd:dashboard_${i}`,
      expr: e.expr,
    }));
    const file = join(dir, 'dashboard-rules.yml');
    await writeFile(file, stringify({ groups: [{ name: 'dashboard', rules }] }));

    const result = await runTool(service('promtool'), ['check', 'rules', file]);

    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, new RegExp(`SUCCESS: ${rules.length} rules found`));
  });

  it(
    'selects only metrics a running daemon exports, and its exposition passes promtool',
    { timeout: 60_000 },
    async (t) => {
      const bundle = await saveTinyBundle(SCHEMA, NORMALISER);
      t.after(() => bundle.cleanup());
      const { base } = await startDaemon(
        t,
        bedConfig({
          ADAPTD_MACHINE_ID: 'mill-deploy',
          ADAPTD_MODEL_DIR: bundle.dir,
          ADAPTD_WINDOW_LENGTH: '16',
          ADAPTD_MQTT_URL: service('mqtt'),
          ADAPTD_MQTT_TOPIC_PREFIX: `adaptd-it/${uniqueName('deploy')}`,
          ADAPTD_MQTT_CLIENT_ID: uniqueName('adaptd'),
        }),
      );

      const exposition = await (await fetch(`${base}/metrics`)).text();
      const check = await promtoolCheck(exposition);
      const families = new Set([...exposition.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));

      assert.equal(check.code, 0, check.output);
      for (const { where, metric } of selections()) {
        if (SCRAPE_SERIES.has(metric)) continue;
        assert.ok(
          families.has(familyOf(metric, families)),
          `${where} selects ${metric}, which the daemon does not export`,
        );
      }
    },
  );
});
