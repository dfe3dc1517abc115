import { AdaptdError } from '../errors.js';
import type { AdaptationOutcome, ControlTarget } from './controlTarget.js';

function unavailable(what: string): AdaptdError {
  return new AdaptdError(
    'COMMAND_REJECTED',
    `${what} is not available: this daemon runs no adaptation engine`,
    { context: { reason: 'unavailable' } },
  );
}

/**
 * The control target of a daemon without the adaptation engine: it reports status, holds the
 * frozen flag and writes state snapshots; re-adapt, rollback, promote and reset are refused
 * as unavailable, so a command for them changes nothing.
 */
export class ServingControl implements ControlTarget {
  private frozen: boolean;

  constructor(
    private readonly parts: {
      snapshot: () => Promise<{ path: string }>;
      frozen?: boolean;
    },
  ) {
    this.frozen = parts.frozen ?? false;
  }

  readapt(): Promise<AdaptationOutcome> {
    return Promise.reject(unavailable('re-adapt'));
  }

  rollback(): Promise<{ adapterVersion: string | null }> {
    return Promise.reject(unavailable('rollback'));
  }

  promote(): Promise<{ adapterVersion: string }> {
    return Promise.reject(unavailable('promote'));
  }

  freeze(): void {
    this.frozen = true;
  }

  unfreeze(): void {
    this.frozen = false;
  }

  reset(): Promise<void> {
    return Promise.reject(unavailable('reset'));
  }

  snapshot(): Promise<{ path: string }> {
    return this.parts.snapshot();
  }

  status(): { adapterVersion: string | null; frozen: boolean; adapting: boolean } {
    return { adapterVersion: null, frozen: this.frozen, adapting: false };
  }
}
