/**
 * Chooses the encoder's sizes by measurement: training-step and embedding time on
 * the current backend for a few candidate widths, depths and recurrent sizes.
 * Run: npx tsx bench/model/sizes.bench.ts
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { SensorModel } from '../../src/model/sensorModel.js';
import type { ModelConfig } from '../../src/model/modelConfig.js';

const backend = process.env.BACKEND ?? 'wasm';
await tf.setBackend(backend);
await tf.ready();

const channels = Number(process.env.CHANNELS ?? 120);
const modalities = 6;
function config(width: number, blocks: number, units: number): ModelConfig {
  const per = Math.floor(channels / modalities);
  return {
    windowLength: 64,
    patch: 4,
    channels,
    modalities: Array.from({ length: modalities }, (_, m) => ({
      name: `m${m}`,
      channels: Array.from({ length: per }, (_, i) => m * per + i),
    })),
    contextSize: 12,
    width,
    attentionHeads: 4,
    blocks,
    feedForward: 2 * width,
    adapterWidth: 16,
    recurrentUnits: units,
    heads: [
      { name: 'operation', classes: ['a', 'b', 'c'], reads: 'window' },
      { name: 'motion', classes: ['0', '1', '2', '3'], reads: 'end' },
    ],
  };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const batch = 32;
const rows: string[] = [];
for (const [width, blocks, units] of [
  [32, 1, 32],
  [64, 1, 64],
  [64, 2, 64],
] as const) {
  const model = new SensorModel(config(width, blocks, units));
  const optimizer = tf.train.adam(1e-3);
  const x = tf.randomNormal([batch, 64, channels]) as tf.Tensor3D;
  const mask = tf.ones([batch, channels]) as tf.Tensor2D;
  const context = tf.zeros([batch, 12]) as tf.Tensor2D;
  const labels = tf.oneHot(tf.zeros([batch], 'int32'), 3);
  const vars = model.store.names().map((n) => model.store.variable(n));
  const stepTimes: number[] = [];
  for (let i = 0; i < 8; i += 1) {
    const t0 = performance.now();
    const cost = optimizer.minimize(
      () => {
        const out = model.forward({ x, mask, context });
        return tf.losses.softmaxCrossEntropy(labels, out.logits.operation) as tf.Scalar;
      },
      true,
      vars,
    );
    await cost!.data();
    cost!.dispose();
    if (i >= 2) stepTimes.push(performance.now() - t0);
  }
  const embedTimes: number[] = [];
  for (let i = 0; i < 6; i += 1) {
    const t0 = performance.now();
    const e = tf.tidy(() => model.forward({ x, mask, context }, { headless: true }).embedding);
    await e.data();
    e.dispose();
    if (i >= 1) embedTimes.push(performance.now() - t0);
  }
  rows.push(
    `| ${width} | ${blocks} | ${units} | ${model.store.parameterCount()} | ` +
      `${median(stepTimes).toFixed(1)} | ${((batch / median(embedTimes)) * 1000).toFixed(0)} |`,
  );
  tf.dispose([x, mask, context, labels]);
  optimizer.dispose();
  model.dispose();
}
console.log(`backend ${backend}, channels ${channels}, batch ${batch}`);
console.log('| width | blocks | gru | params | train ms/step | embed windows/s |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const row of rows) console.log(row);
console.log('tensors left', tf.memory().numTensors);
