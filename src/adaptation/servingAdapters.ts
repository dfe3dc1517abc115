import { join } from 'node:path';
import { AdaptdError } from '../errors.js';
import type { Logger } from '../log.js';
import type { SensorModel } from '../model/sensorModel.js';
import type { DamageReason, DamageReport } from '../state/stateStore.js';
import { AdaptationStateFile, INITIAL_STATE, type AdaptationState } from './adaptationState.js';
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
  /** Told of damaged state set aside (the state file, a version's folder); also logged. */
  onDamage?: (report: DamageReport) => void;
  now?: () => Date;
}

/**
 * What serves and what it can return to: the champion adapter written into the serving model,
 * the earlier champions (rollback goes to the last one, then the source), the stored versions
 * on disk and the source model's own adapter values (read from the model before any version
 * was applied). Every change is saved to `<stateDir>/adaptation.json` atomically, with a
 * checksum, beside the state before it (see AdaptationStateFile).
 *
 * Damage never stops the daemon: a version whose folder is missing or fails verification, at
 * start or when rollback reaches it, is set aside in `<stateDir>/quarantine/`, reported, and
 * left out of the history; serving falls back to the newest earlier champion that verifies,
 * else the source model.
 */
export class ServingAdapters {
  private readonly store: AdapterStore;
  private readonly file: AdaptationStateFile;
  private readonly source: AdapterWeights;
  private readonly log: Logger;
  private readonly now: () => Date;
  private current: AdaptationState = INITIAL_STATE;
  private writes: Promise<void> = Promise.resolve();

  constructor(private readonly options: ServingAdaptersOptions) {
    this.store = new AdapterStore(join(options.stateDir, 'adapters'), options.stateDir);
    this.now = options.now ?? (() => new Date());
    this.log = options.logger;
    this.file = new AdaptationStateFile({
      dir: options.stateDir,
      logger: options.logger,
      now: this.now,
      ...(options.onDamage === undefined ? {} : { onDamage: options.onDamage }),
    });
    this.source = readAdapterWeights(options.model);
  }

  get state(): AdaptationState {
    return this.current;
  }

  get path(): string {
    return this.file.path;
  }

  /** The folder of the champion's weights, or null while the source serves. */
  championFolder(): string | null {
    return this.current.champion === null ? null : this.store.folder(this.current.champion);
  }

  /**
   * Reads the saved state and writes the saved champion into the serving model, before
   * anything is served: not a change observers are told of. Removes half-written versions
   * first; checks every version the state names, and when the champion's folder is damaged
   * or missing serves the newest earlier champion that verifies (else the source model). A
   * state that changed here (taken from the previous copy, or a version left out) is saved.
   */
  async restore(): Promise<void> {
    const leftovers = await this.store.clean();
    if (leftovers.length > 0) {
      this.log.info({ leftovers }, 'half-written adapter versions removed');
    }
    const loaded = await this.file.load();
    const saved = loaded.state;
    // A version may stand more than once in the history: check (and report) each once.
    const checked = new Map<string, AdapterWeights | undefined>();
    const verified = async (version: string) => {
      if (!checked.has(version)) checked.set(version, await this.verified(version));
      return checked.get(version);
    };
    const history: Array<string | null> = [];
    for (const version of saved.history) {
      if (version === null || (await verified(version)) !== undefined) history.push(version);
    }
    let champion = saved.champion;
    let weights = champion === null ? this.source : await verified(champion);
    while (weights === undefined) {
      // The champion did not verify: the newest earlier champion that does, or the source.
      champion = history.pop() ?? null;
      weights = champion === null ? this.source : await verified(champion);
    }
    this.current = { ...saved, champion, history };
    if (champion !== null) {
      applyAdapterWeights(this.options.model, weights);
      this.log.info({ adapter: champion }, 'adapter restored');
    }
    if (champion !== saved.champion) {
      this.log.warn(
        { saved: saved.champion, serving: champion },
        'fell back from the saved adapter',
      );
    }
    const changed = champion !== saved.champion || history.length !== saved.history.length;
    if (changed || loaded.from !== 'current') await this.persist();
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

  /**
   * Makes a stored version serve; the champion before it becomes the rollback target. A
   * version whose folder fails verification is set aside and left out of the history, and the
   * promotion fails (STATE_CORRUPT); what serves does not change.
   */
  async promoteStored(version: string): Promise<void> {
    if (version === this.current.champion) return;
    await this.store.assertStored(version);
    const weights = await this.verified(version);
    if (weights === undefined) {
      this.current = { ...this.current, history: this.withoutVersion(version) };
      await this.persist();
      throw new AdaptdError(
        'STATE_CORRUPT',
        `adapter version ${version} failed verification and was set aside`,
        { context: { version } },
      );
    }
    await this.install(version, weights, [...this.current.history, this.current.champion]);
  }

  /**
   * Returns to the champion before this one (the source model at the end of the history). An
   * earlier champion whose folder fails verification is set aside and skipped.
   */
  async rollBack(): Promise<{ from: string | null; to: string | null }> {
    const from = this.current.champion;
    let history = [...this.current.history];
    for (;;) {
      const to = history.pop() ?? null;
      const weights = to === null ? this.source : await this.verified(to);
      if (weights !== undefined) {
        await this.install(to, weights, history);
        return { from, to };
      }
      history = history.filter((entry) => entry !== to);
    }
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

  /**
   * Writes the state file: one write at a time, in the order of the changes (a freeze may come
   * during a rollback's write). A failure is logged, not thrown: serving has already changed.
   */
  persist(): Promise<void> {
    const state = this.current;
    this.writes = this.writes
      .then(() => this.file.write(state))
      .catch((error: unknown) => this.log.error({ err: error }, 'adaptation state not written'));
    return this.writes;
  }

  /** Resolves once every state write started so far has ended. */
  settled(): Promise<void> {
    return this.writes;
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

  /** A version's weights if its folder verifies; otherwise it is set aside and reported. */
  private async verified(version: string): Promise<AdapterWeights | undefined> {
    const checked = await this.store.check(version);
    if (checked.ok) return checked.weights;
    await this.setAside(version, checked.reason, checked.detail);
    return undefined;
  }

  private async setAside(version: string, reason: DamageReason, detail: string): Promise<void> {
    const report: DamageReport = { generation: `adapters/${version}`, reason, detail };
    // A missing folder has nothing to move.
    if (reason !== 'missing') {
      report.quarantinedTo = await this.store.setAside(version, reason, this.now());
    }
    // A person should look: the disk or something beside adaptd damaged the version.
    this.log.error(report, 'damaged adapter version set aside');
    this.options.onDamage?.(report);
  }

  private withoutVersion(version: string): Array<string | null> {
    return this.current.history.filter((entry) => entry !== version);
  }

  private protectedVersions(): Set<string> {
    const versions = [this.current.champion, ...this.current.history];
    return new Set(versions.filter((v): v is string => v !== null));
  }
}
