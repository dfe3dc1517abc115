import { join } from 'node:path';
import type { Logger } from '../log.js';
import type { SensorModel } from '../model/sensorModel.js';
import {
  INITIAL_STATE,
  readAdaptationState,
  writeAdaptationState,
  type AdaptationState,
} from './adaptationState.js';
import { AdapterStore, type AdapterRecord } from './adapterStore.js';
import { applyAdapterWeights, readAdapterWeights, type AdapterWeights } from './adapterWeights.js';

export interface ServingAdaptersOptions {
  model: SensorModel;
  stateDir: string;
  /** Adapter versions kept on disk beyond the champion and its history. */
  keep: number;
  logger: Logger;
  /** Told after every change of the adapter in service (not of the restore at start). */
  onChange: (version: string | null) => void;
}

/**
 * What serves and what it can return to: the champion adapter written into the serving model,
 * the earlier champions (rollback goes to the last one, then the source), the stored versions
 * on disk and the source model's own adapter values (read from the model before any version
 * was applied). Every change is saved to `<stateDir>/adaptation.json` atomically.
 */
export class ServingAdapters {
  private readonly store: AdapterStore;
  private readonly statePath: string;
  private readonly source: AdapterWeights;
  private current: AdaptationState = INITIAL_STATE;

  constructor(private readonly options: ServingAdaptersOptions) {
    this.store = new AdapterStore(join(options.stateDir, 'adapters'));
    this.statePath = join(options.stateDir, 'adaptation.json');
    this.source = readAdapterWeights(options.model);
  }

  get state(): AdaptationState {
    return this.current;
  }

  get path(): string {
    return this.statePath;
  }

  /** The folder of the champion's weights, or null while the source serves. */
  championFolder(): string | null {
    return this.current.champion === null ? null : this.store.folder(this.current.champion);
  }

  /**
   * Reads the saved state and writes the saved champion into the serving model, before
   * anything is served: not a change observers are told of.
   */
  async restore(): Promise<void> {
    this.current = await readAdaptationState(this.statePath);
    if (this.current.champion !== null) {
      const { weights } = await this.store.load(this.current.champion);
      applyAdapterWeights(this.options.model, weights);
      this.options.logger.info({ adapter: this.current.champion }, 'adapter restored');
    }
  }

  /** Stores a challenger as the next version and makes it serve. */
  async promoteNew(
    weights: AdapterWeights,
    record: Omit<AdapterRecord, 'version'>,
  ): Promise<string> {
    const version = await this.store.save(weights, record);
    const streak = record.labelled ? 0 : this.current.labelFreeStreak + 1;
    await this.install(version, weights, [...this.current.history, this.current.champion], streak);
    await this.store.prune(this.options.keep, this.protectedVersions());
    return version;
  }

  /** Makes a stored version serve; the champion before it becomes the rollback target. */
  async promoteStored(version: string): Promise<void> {
    if (version === this.current.champion) return;
    const { weights } = await this.store.load(version);
    await this.install(version, weights, [...this.current.history, this.current.champion]);
  }

  /** Returns to the champion before this one (the source model at the end of the history). */
  async rollBack(): Promise<{ from: string | null; to: string | null }> {
    const from = this.current.champion;
    const history = [...this.current.history];
    const to = history.pop() ?? null;
    const weights = to === null ? this.source : (await this.store.load(to)).weights;
    await this.install(to, weights, history);
    return { from, to };
  }

  /** The source model serves again; stored versions stay on disk. Returns what served. */
  async resetToSource(): Promise<string | null> {
    const from = this.current.champion;
    await this.install(null, this.source, [], 0);
    return from;
  }

  async setFrozen(frozen: boolean): Promise<void> {
    this.current = { ...this.current, frozen };
    await this.persist();
  }

  /** Writes the state file; a failure is logged, not thrown (serving has already changed). */
  async persist(): Promise<void> {
    try {
      await writeAdaptationState(this.statePath, this.current);
    } catch (error) {
      this.options.logger.error({ err: error }, 'adaptation state not written');
    }
  }

  private async install(
    version: string | null,
    weights: AdapterWeights,
    history: Array<string | null>,
    labelFreeStreak = this.current.labelFreeStreak,
  ): Promise<void> {
    applyAdapterWeights(this.options.model, weights);
    this.current = { ...this.current, champion: version, history, labelFreeStreak };
    this.options.onChange(version);
    await this.persist();
  }

  private protectedVersions(): Set<string> {
    const versions = [this.current.champion, ...this.current.history];
    return new Set(versions.filter((v): v is string => v !== null));
  }
}
