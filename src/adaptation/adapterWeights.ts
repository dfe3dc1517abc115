import * as tf from '@tensorflow/tfjs';
import { adapterGroups, headGroup } from '../model/modelConfig.js';
import type { SensorModel } from '../model/sensorModel.js';

/** Values of the parameters an adapter version sets, by parameter name. */
export type AdapterWeights = Record<string, Float32Array>;

/**
 * The parameters an adaptation may change: every encoder block's adapters and every head.
 * A version stores all of them, whichever head it trained, so that any version (and the
 * source) fully decides what serves, and a rollback restores every one exactly.
 */
export function adaptableNames(model: SensorModel): string[] {
  const groups = [
    ...adapterGroups(model.config),
    ...model.config.heads.map((head) => headGroup(head.name)),
  ];
  return model.store.names().filter((name) => groups.includes(model.store.spec(name).group));
}

/** Reads the adaptable parameters' current values (small: adapters and heads only). */
export function readAdapterWeights(model: SensorModel): AdapterWeights {
  const out: AdapterWeights = {};
  for (const name of adaptableNames(model)) {
    out[name] = model.store.variable(name).dataSync() as Float32Array;
  }
  return out;
}

/**
 * Writes adapter weights into `model` in place. Synchronous, so that on the daemon's single
 * thread it lands between two inference batches, never inside one.
 */
export function applyAdapterWeights(model: SensorModel, weights: AdapterWeights): void {
  tf.tidy(() => {
    const tensors: tf.NamedTensorMap = {};
    for (const [name, values] of Object.entries(weights)) {
      tensors[name] = tf.tensor(values, model.store.variable(name).shape);
    }
    model.store.assign(tensors);
  });
}

/** True when both hold the same names with bit-identical values. */
export function sameWeights(a: AdapterWeights, b: AdapterWeights): boolean {
  const names = Object.keys(a);
  if (names.length !== Object.keys(b).length) return false;
  return names.every((name) => {
    const x = a[name]!;
    const y = b[name];
    return y !== undefined && x.length === y.length && x.every((v, i) => Object.is(v, y[i]));
  });
}
