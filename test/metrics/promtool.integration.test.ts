import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { service, servicesSkip } from '../support/services.js';

interface CheckResult {
  code: number | null;
  output: string;
}

/** Pipes an exposition into `promtool check metrics`: 0 is clean, 1 unparsable, 3 lint problems. */
function checkMetrics(exposition: string): Promise<CheckResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(service('promtool'), ['check', 'metrics'], { timeout: 15_000 });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
    child.stdin.end(exposition);
  });
}

describe('promtool on prom-client expositions', { skip: servicesSkip() }, () => {
  it('passes what a prom-client registry exposes', { timeout: 30_000 }, async () => {
    const registry = new Registry();
    const windows = new Counter({
      name: 'adaptd_test_windows_total',
      help: 'Windows scored by the test.',
      labelNames: ['machine'] as const,
      registers: [registry],
    });
    const drift = new Gauge({
      name: 'adaptd_test_drift_score',
      help: 'Latest drift score in the test.',
      labelNames: ['machine'] as const,
      registers: [registry],
    });
    const latency = new Histogram({
      name: 'adaptd_test_inference_seconds',
      help: 'Inference latency in the test.',
      buckets: [0.001, 0.01, 0.1],
      registers: [registry],
    });
    windows.inc({ machine: 'mill-1' }, 3);
    drift.set({ machine: 'mill-1' }, 0.25);
    latency.observe(0.004);

    const exposition = await registry.metrics();
    const result = await checkMetrics(exposition);

    assert.match(exposition, /adaptd_test_inference_seconds_bucket\{le="0.01"\} 1/);
    assert.equal(result.code, 0, result.output);
  });

  it('fails an exposition it cannot parse', { timeout: 30_000 }, async () => {
    const broken = '# TYPE adaptd_test_total counter\nadaptd_test_total{machine="mill-1" 1\n';

    const result = await checkMetrics(broken);

    assert.equal(result.code, 1, result.output);
    assert.match(result.output, /parsing error/);
  });

  it('flags a counter named against the conventions', { timeout: 30_000 }, async () => {
    const registry = new Registry();
    new Counter({ name: 'adaptd_test_windows', help: 'No _total suffix.', registers: [registry] });

    const result = await checkMetrics(await registry.metrics());

    assert.equal(result.code, 3, result.output);
    assert.match(result.output, /_total/);
  });
});
