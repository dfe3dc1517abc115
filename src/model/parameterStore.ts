import * as tf from '@tensorflow/tfjs';
import { AdaptdError } from '../errors.js';
import { gaussian } from '../util/random.js';

/** How a variable starts: Glorot-uniform for weights, zeros or ones for biases and norms. */
export type Initialiser = 'glorot' | 'zeros' | 'ones' | { normal: number };

export interface ParameterSpec {
  /** Dotted name, e.g. `block0.attention.query.kernel`. */
  name: string;
  /** Layer group in forward order, used by fine-tuning strategies. */
  group: string;
  shape: number[];
  init: Initialiser;
  /** Biases and normalisation weights take no weight decay. */
  decay: boolean;
}

/**
 * Every trainable tensor of a model, by name and group. Layers ask the store for
 * their variables; strategies select variables by group; saving walks the store.
 */
export class ParameterStore {
  private static stores = 0;
  /** TensorFlow.js variable names are global; this keeps two models' names apart. */
  private readonly prefix = `store${(ParameterStore.stores += 1)}`;
  private readonly variables = new Map<string, tf.Variable>();
  private readonly specs = new Map<string, ParameterSpec>();

  constructor(private readonly random: () => number) {}

  /** Returns the named variable, creating it on first use. */
  get(spec: ParameterSpec): tf.Variable {
    const existing = this.variables.get(spec.name);
    if (existing !== undefined) return existing;
    const variable = tf.tidy(() =>
      tf.variable(this.initialValue(spec), true, `${this.prefix}/${spec.name}`),
    );
    this.variables.set(spec.name, variable);
    this.specs.set(spec.name, spec);
    return variable;
  }

  variable(name: string): tf.Variable {
    const variable = this.variables.get(name);
    if (variable === undefined) {
      throw new AdaptdError('INTERNAL', `no parameter named ${name}`, { context: { name } });
    }
    return variable;
  }

  names(): string[] {
    return [...this.variables.keys()];
  }

  spec(name: string): ParameterSpec {
    const spec = this.specs.get(name);
    if (spec === undefined) throw new AdaptdError('INTERNAL', `no parameter named ${name}`);
    return spec;
  }

  /** Variables whose group is one of `groups`, in creation (forward) order. */
  inGroups(groups: readonly string[]): tf.Variable[] {
    return [...this.specs.values()]
      .filter((spec) => groups.includes(spec.group))
      .map((spec) => this.variable(spec.name));
  }

  /** Group names in the order their first variable was created, i.e. forward order. */
  groups(): string[] {
    return [...new Set([...this.specs.values()].map((spec) => spec.group))];
  }

  parameterCount(groups?: readonly string[]): number {
    return [...this.specs.values()]
      .filter((spec) => groups === undefined || groups.includes(spec.group))
      .reduce((sum, spec) => sum + spec.shape.reduce((a, b) => a * b, 1), 0);
  }

  /** Copies values in from a map of tensors; shapes must match exactly. */
  assign(values: tf.NamedTensorMap): void {
    for (const [name, value] of Object.entries(values)) {
      const variable = this.variables.get(name);
      if (variable === undefined) {
        throw new AdaptdError('MODEL_INVALID', `weights name unknown parameter ${name}`);
      }
      if (!tf.util.arraysEqual(variable.shape, value.shape)) {
        throw new AdaptdError(
          'MODEL_INVALID',
          `parameter ${name} has shape [${variable.shape.join(',')}] but weights give ` +
            `[${value.shape.join(',')}]`,
        );
      }
      variable.assign(value);
    }
  }

  /** A snapshot of the named values (clones the caller must dispose). */
  snapshot(names: readonly string[] = this.names()): tf.NamedTensorMap {
    const out: tf.NamedTensorMap = {};
    for (const name of names) out[name] = this.variable(name).clone();
    return out;
  }

  dispose(): void {
    for (const variable of this.variables.values()) variable.dispose();
    this.variables.clear();
    this.specs.clear();
  }

  private initialValue(spec: ParameterSpec): tf.Tensor {
    const init = spec.init;
    if (init === 'zeros') return tf.zeros(spec.shape);
    if (init === 'ones') return tf.ones(spec.shape);
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(size);
    if (init === 'glorot') {
      const fanIn = spec.shape.length > 1 ? spec.shape[spec.shape.length - 2] : spec.shape[0];
      const fanOut = spec.shape[spec.shape.length - 1];
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      for (let i = 0; i < size; i += 1) values[i] = (this.random() * 2 - 1) * limit;
    } else {
      for (let i = 0; i < size; i += 1) values[i] = gaussian(this.random) * init.normal;
    }
    return tf.tensor(values, spec.shape);
  }
}
