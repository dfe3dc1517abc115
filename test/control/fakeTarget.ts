import { AdaptdError } from '../../src/errors.js';
import type { AdaptationOutcome, ControlTarget } from '../../src/control/controlTarget.js';

/**
 * A ControlTarget that records what it is asked and lets the test finish an adaptation when it
 * chooses, so that a second one can be sent while the first runs.
 */
export class FakeTarget implements ControlTarget {
  readonly calls: string[] = [];
  adapterVersion: string | null = null;
  frozen = false;
  adapting = false;
  private finish: ((outcome: AdaptationOutcome) => void) | undefined;

  readapt(request: { requestId: string; strategy?: string }): Promise<AdaptationOutcome> {
    this.calls.push(`readapt:${request.strategy ?? ''}`);
    if (this.adapting) return Promise.reject(new AdaptdError('BUSY', 'already adapting'));
    this.adapting = true;
    return new Promise((resolve) => {
      this.finish = (outcome) => {
        this.adapting = false;
        if (outcome.adapterVersion !== null) this.adapterVersion = outcome.adapterVersion;
        resolve(outcome);
      };
    });
  }

  /** Ends the running adaptation with `outcome`. */
  endAdaptation(outcome: AdaptationOutcome): void {
    if (this.finish === undefined) throw new Error('no adaptation running');
    const finish = this.finish;
    this.finish = undefined;
    finish(outcome);
  }

  rollback(): Promise<{ adapterVersion: string | null }> {
    this.calls.push('rollback');
    this.adapterVersion = null;
    return Promise.resolve({ adapterVersion: null });
  }

  promote(version: string): Promise<{ adapterVersion: string }> {
    this.calls.push(`promote:${version}`);
    if (version === 'missing') {
      return Promise.reject(new AdaptdError('STATE_CORRUPT', `no adapter ${version}`));
    }
    this.adapterVersion = version;
    return Promise.resolve({ adapterVersion: version });
  }

  freeze(): void {
    this.calls.push('freeze');
    this.frozen = true;
  }

  unfreeze(): void {
    this.calls.push('unfreeze');
    this.frozen = false;
  }

  reset(): Promise<void> {
    this.calls.push('reset');
    this.adapterVersion = null;
    return Promise.resolve();
  }

  snapshot(): Promise<{ path: string }> {
    this.calls.push('snapshot');
    return Promise.resolve({ path: '/state/generation-1' });
  }

  status(): { adapterVersion: string | null; frozen: boolean; adapting: boolean } {
    return { adapterVersion: this.adapterVersion, frozen: this.frozen, adapting: this.adapting };
  }
}
