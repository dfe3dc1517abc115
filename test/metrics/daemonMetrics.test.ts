import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { register as globalRegistry, Registry } from 'prom-client';
import { ClassShares } from '../../src/metrics/classShares.js';
import { DaemonMetrics } from '../../src/metrics/daemonMetrics.js';
import {
  DEFAULT_METRIC_PREFIXES,
  METRIC_NAMES,
  METRICS,
  metricNameProblems,
} from '../../src/metrics/metricCatalog.js';

const HEADS = [
  { name: 'operation', classes: ['face', 'pocket', 'adaptive'] },
  { name: 'motion', classes: ['G0', 'G1', 'G2', 'G3'] },
];

function metrics(defaultMetrics = false): DaemonMetrics {
  return new DaemonMetrics(new Registry(), {
    version: '0.1.0',
    modelVersion: 's1-seed1',
    backend: 'wasm',
    heads: HEADS,
    defaultMetrics,
    shareWindow: 4,
  });
}

/** Metric names in an exposition, histogram series folded onto their family. */
function familiesIn(exposition: string): Set<string> {
  return new Set([...exposition.matchAll(/^# TYPE (\S+) /gm)].map((match) => match[1]!));
}

describe('metric catalogue', () => {
  it('names every metric by the rules, once, with label names Prometheus accepts', () => {
    assert.equal(new Set(METRIC_NAMES).size, METRIC_NAMES.length);
    for (const spec of Object.values(METRICS)) {
      assert.deepEqual(metricNameProblems(spec.name, spec.type), [], spec.name);
      for (const label of spec.labelNames) assert.match(label, /^[a-z][a-z_]*$/, spec.name);
    }
  });

  it('flags names that break the rules', () => {
    assert.match(metricNameProblems('adaptd_windows', 'counter').join(), /every counter ends/);
    assert.match(metricNameProblems('adaptd_windows_total', 'gauge').join(), /_total is for/);
    assert.match(metricNameProblems('adaptd_latency', 'histogram').join(), /no unit suffix/);
    assert.match(metricNameProblems('windows_total', 'counter').join(), /not adaptd_/);
    assert.match(metricNameProblems('adaptd_Drift_ratio', 'gauge').join(), /snake_case/);
    assert.deepEqual(metricNameProblems('adaptd_drift_ratio', 'gauge'), []);
  });
});

describe('DaemonMetrics', () => {
  it('exposes every catalogued metric on its own registry, none on the global one', async () => {
    const before = (await globalRegistry.getMetricsAsJSON()).length;
    const m = metrics(true);
    const families = familiesIn(await m.registry.metrics());

    for (const name of METRIC_NAMES) assert.ok(families.has(name), `${name} missing`);
    const others = [...families].filter((name) => !METRIC_NAMES.includes(name));
    assert.ok(others.length > 0);
    for (const name of others) {
      assert.ok(
        DEFAULT_METRIC_PREFIXES.some((prefix) => name.startsWith(prefix)),
        `${name} is neither catalogued nor a default metric`,
      );
    }
    assert.equal((await globalRegistry.getMetricsAsJSON()).length, before);
  });

  it('reads gauges from the probes at scrape time', async () => {
    const m = metrics();
    let tensors = 5;
    m.setProbes({
      bufferRows: () => ({ windows: 12, inference: 128 }),
      unsettled: () => 3,
      connected: () => ({ mqtt: true, kafka: false }),
      memory: () => ({ numTensors: tensors, numBytes: 4096 }),
    });
    const first = await m.registry.metrics();
    tensors = 9;
    const second = await m.registry.metrics();

    assert.match(first, /^adaptd_buffer_rows\{stage="windows"\} 12$/m);
    assert.match(first, /^adaptd_buffer_rows\{stage="inference"\} 128$/m);
    assert.match(first, /^adaptd_unsettled_messages 3$/m);
    assert.match(first, /^adaptd_broker_connected\{transport="mqtt"\} 1$/m);
    assert.match(first, /^adaptd_broker_connected\{transport="kafka"\} 0$/m);
    assert.match(first, /^adaptd_tensors 5$/m);
    assert.match(second, /^adaptd_tensors 9$/m);
    assert.match(first, /^adaptd_tensor_bytes 4096$/m);
    assert.match(first, /^adaptd_backend_info\{backend="wasm"\} 1$/m);
    assert.match(first, /^adaptd_build_info\{version="0.1.0",model_version="s1-seed1"\} 1$/m);
  });

  it('records predictions by head and class shares over the recent windows', async () => {
    const m = metrics();
    for (const k of [0, 0, 1, 2, 2, 2]) m.observePrediction('operation', k, 0.8, 0.5);
    m.observePrediction('unknown-head', 0, 0.9, 0.1);
    const text = await m.registry.metrics();

    // The share window holds the last four: 1, 2, 2, 2.
    assert.match(text, /^adaptd_class_share_ratio\{head="operation",class="face"\} 0$/m);
    assert.match(text, /^adaptd_class_share_ratio\{head="operation",class="pocket"\} 0.25$/m);
    assert.match(text, /^adaptd_class_share_ratio\{head="operation",class="adaptive"\} 0.75$/m);
    assert.match(text, /^adaptd_class_share_ratio\{head="motion",class="G0"\} 0$/m);
    assert.match(text, /^adaptd_prediction_confidence_count\{head="operation"\} 6$/m);
    assert.match(text, /^adaptd_prediction_entropy_bucket\{le="0.6",head="operation"\} 6$/m);
  });

  it('refuses a label name the metric was not made with', () => {
    const m = metrics();
    assert.throws(() => m.rejected.inc({ stream: 'sensors' } as never), /not included/);
  });
});

describe('ClassShares', () => {
  it('ignores class indices out of range and starts at zero', () => {
    const shares = new ClassShares(['a', 'b'], 3);
    assert.deepEqual(shares.shares(), [0, 0]);
    shares.add(5);
    shares.add(-1);
    shares.add(1);
    assert.deepEqual(shares.shares(), [0, 1]);
  });
});
