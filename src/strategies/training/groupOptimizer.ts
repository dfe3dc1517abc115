import * as tf from '@tensorflow/tfjs';
import { AdaptdError } from '../../errors.js';
import type { ParameterStore } from '../../model/parameterStore.js';
import {
  checkSchedule,
  scheduleFactor,
  type LearningRateSchedule,
} from './learningRateSchedule.js';

export interface GroupOptimizerSettings {
  /** Peak learning rate per layer group; a group not listed stays frozen. */
  rates: Readonly<Record<string, number>>;
  /** Decoupled (AdamW) weight decay, only on variables whose spec has `decay: true`. */
  weightDecay: number;
  schedule: LearningRateSchedule;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** Largest global gradient norm; larger gradients are scaled down. None when undefined. */
  clipNorm?: number;
}

/** Adam state of one variable; created the first time its group trains. */
interface Slot {
  variable: tf.Variable;
  group: string;
  decay: boolean;
  firstMoment: tf.Variable;
  secondMoment: tf.Variable;
  updates: number;
}

/**
 * AdamW with a learning rate per layer group and one warm-up and decay schedule for
 * all of them. Written out rather than one tf.train.adam per group because the rate
 * changes every step, tf.train.adam fixes it at construction, and decay must skip
 * biases and normalisation weights. Groups can be added while training (gradual
 * unfreezing); each variable keeps its own bias-correction count.
 */
export class GroupOptimizer {
  private rates = new Map<string, number>();
  private readonly slots = new Map<string, Slot>();
  private steps = 0;
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly epsilon: number;

  constructor(
    private readonly store: ParameterStore,
    private readonly settings: GroupOptimizerSettings,
  ) {
    checkSchedule(settings.schedule);
    if (!(settings.weightDecay >= 0)) {
      throw new AdaptdError(
        'CONFIG_INVALID',
        `weightDecay is ${settings.weightDecay}; allowed: >= 0`,
      );
    }
    this.beta1 = settings.beta1 ?? 0.9;
    this.beta2 = settings.beta2 ?? 0.999;
    this.epsilon = settings.epsilon ?? 1e-7;
    this.setRates(settings.rates);
  }

  /** Replaces the trained groups and their peak rates (gradual unfreezing adds groups). */
  setRates(rates: Readonly<Record<string, number>>): void {
    const known = new Set(this.store.groups());
    for (const [group, rate] of Object.entries(rates)) {
      if (!known.has(group)) {
        throw new AdaptdError(
          'CONFIG_INVALID',
          `no layer group ${group}; groups: ${[...known].join(', ')}`,
          { context: { group } },
        );
      }
      if (!(rate > 0 && Number.isFinite(rate))) {
        throw new AdaptdError(
          'CONFIG_INVALID',
          `learning rate of ${group} is ${rate}; allowed: > 0`,
        );
      }
    }
    this.rates = new Map(Object.entries(rates));
  }

  get trainableGroups(): string[] {
    return [...this.rates.keys()];
  }

  trainableParameters(): number {
    return this.store.parameterCount(this.trainableGroups);
  }

  /** The rate a group trains at in the next step (0 when frozen). */
  currentRate(group: string): number {
    return (this.rates.get(group) ?? 0) * scheduleFactor(this.steps, this.settings.schedule);
  }

  /**
   * One step: gradients of `loss` over the trainable groups' variables only, then an
   * AdamW update of each. Returns the loss; the caller reads and disposes it.
   */
  step(loss: () => tf.Scalar): tf.Scalar {
    const slots = this.store
      .names()
      .filter((name) => this.rates.has(this.store.spec(name).group))
      .map((name) => this.slot(name));
    if (slots.length === 0) {
      throw new AdaptdError('INTERNAL', 'optimizer step with no trainable layer group');
    }
    const { value, grads } = tf.variableGrads(
      loss,
      slots.map((s) => s.variable),
    );
    try {
      tf.tidy(() => this.update(slots, grads));
    } finally {
      tf.dispose(Object.values(grads).filter((g): g is tf.Tensor => g !== null));
    }
    this.steps += 1;
    return value;
  }

  dispose(): void {
    for (const slot of this.slots.values()) tf.dispose([slot.firstMoment, slot.secondMoment]);
    this.slots.clear();
  }

  private update(slots: Slot[], grads: tf.NamedTensorMap): void {
    const present = slots.filter((s) => grads[s.variable.name] != null);
    let scale: tf.Scalar | number = 1;
    if (this.settings.clipNorm !== undefined) {
      const squares = present.map((s) => tf.sum(tf.square(grads[s.variable.name]!)));
      const norm = tf.sqrt(tf.addN(squares));
      scale = tf.minimum(1, tf.div(this.settings.clipNorm, tf.maximum(norm, 1e-12))) as tf.Scalar;
    }
    const factor = scheduleFactor(this.steps, this.settings.schedule);
    for (const slot of present) {
      const grad = tf.mul(grads[slot.variable.name]!, scale);
      const rate = this.rates.get(slot.group)! * factor;
      slot.updates += 1;
      const m = tf.add(tf.mul(slot.firstMoment, this.beta1), tf.mul(grad, 1 - this.beta1));
      const v = tf.add(
        tf.mul(slot.secondMoment, this.beta2),
        tf.mul(tf.square(grad), 1 - this.beta2),
      );
      slot.firstMoment.assign(m);
      slot.secondMoment.assign(v);
      const mHat = tf.div(m, 1 - this.beta1 ** slot.updates);
      const vHat = tf.div(v, 1 - this.beta2 ** slot.updates);
      const adam = tf.div(mHat, tf.add(tf.sqrt(vHat), this.epsilon));
      const decayed =
        slot.decay && this.settings.weightDecay > 0
          ? tf.add(adam, tf.mul(slot.variable, this.settings.weightDecay))
          : adam;
      slot.variable.assign(tf.sub(slot.variable, tf.mul(decayed, rate)));
    }
  }

  private slot(name: string): Slot {
    let slot = this.slots.get(name);
    if (slot === undefined) {
      const variable = this.store.variable(name);
      const spec = this.store.spec(name);
      slot = {
        variable,
        group: spec.group,
        decay: spec.decay,
        firstMoment: tf.tidy(() => tf.variable(tf.zerosLike(variable), false)),
        secondMoment: tf.tidy(() => tf.variable(tf.zerosLike(variable), false)),
        updates: 0,
      };
      this.slots.set(name, slot);
    }
    return slot;
  }
}
