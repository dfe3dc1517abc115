import type { SensorModel } from '../model/sensorModel.js';
import type { LabelledWindows } from '../model/training/windowBatch.js';

/** What a strategy may learn from. Never target test windows. */
export interface TransferData {
  /** Labelled source windows (supervised terms, source holdout). */
  source: LabelledWindows;
  /** Unlabelled target windows (their labels must not be read). */
  target: LabelledWindows;
  /** A few labelled target windows (shots); undefined for label-free adaptation. */
  support?: LabelledWindows;
}

export interface TransferTask {
  /** The head being adapted, e.g. 'operation' or 'tool' or 'motion'. */
  head: string;
  classes: string[];
  /** True when the head labels every row (motion). */
  step?: boolean;
}

export interface StrategyOptions {
  seed: number;
  /** Optimiser steps (or epochs for strategies that count epochs); strategies state their default. */
  steps?: number;
  batchSize?: number;
  learningRate?: number;
  onProgress?: (done: number, total: number) => void;
}

/** The outcome of a strategy: something that predicts the task on windows. */
export interface AdaptedPredictor {
  /** Class probabilities, row-major [n, classes] ([n*length, classes] for step tasks). */
  predict(windows: LabelledWindows): Promise<Float32Array>;
  /** Embeddings used by this predictor [n*units] (for plots and label-free selection). */
  embed(windows: LabelledWindows): Promise<Float32Array>;
  /** Parameters this strategy trained. */
  trainableParameters: number;
  /** The adapted model where the strategy produces one (daemon promotion), else undefined. */
  model?: SensorModel;
  dispose(): void;
}

export interface TransferStrategy {
  name: string;
  /** Whether it needs `support` (labelled target windows) to work at all. */
  needsLabels: boolean;
  adapt(
    base: SensorModel,
    task: TransferTask,
    data: TransferData,
    options: StrategyOptions,
  ): Promise<AdaptedPredictor>;
}
