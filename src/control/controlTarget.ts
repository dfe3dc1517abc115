/**
 * What the command handler drives. The adaptation engine (src/adaptation/) implements it; until
 * it is wired, the daemon supplies a target that answers status and freeze and refuses the rest.
 */
export type AdaptationTrigger = 'schedule' | 'drift' | 'command';
export interface ControlTarget {
  /** Starts an adaptation now; rejects with AdaptdError code 'BUSY' (or the closest existing code) if one runs. Resolves when it ends with its outcome. */
  readapt(request: {
    requestId: string;
    trigger: AdaptationTrigger;
    strategy?: string;
  }): Promise<AdaptationOutcome>;
  /** Restores the previous adapter (null: the source model). */
  rollback(): Promise<{ adapterVersion: string | null }>;
  /** Makes a stored adapter version the champion. */
  promote(version: string): Promise<{ adapterVersion: string }>;
  /** Stops (and resumes) automatic adaptation; inference keeps serving. */
  freeze(): void;
  unfreeze(): void;
  /** Back to the source model: drops adapters, prototypes and the drift window. */
  reset(): Promise<void>;
  /** Writes the current state to the state directory now. */
  snapshot(): Promise<{ path: string }>;
  status(): { adapterVersion: string | null; frozen: boolean; adapting: boolean };
}
export interface AdaptationOutcome {
  result: 'promoted' | 'rejected' | 'failed' | 'cancelled';
  adapterVersion: string | null;
  reason?: string;
  scores?: Record<string, number>;
}
