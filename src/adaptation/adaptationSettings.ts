import type { AdaptdConfig } from '../config/loadConfig.js';
import type { BackendPreference } from '../model/backend/selectBackend.js';

/** The adaptation keys of the configuration, plus the few other keys the engine reads. */
export type AdaptationSettings = AdaptdConfig['adaptation'] & {
  modelDir: string;
  backend: BackendPreference;
  /** Recorded runs, for a source holdout when the artifact ships none ('' for none). */
  dataDir: string;
  /** Adapter versions and the engine's state live under here. */
  stateDir: string;
};

export function adaptationSettings(config: AdaptdConfig, dataDir: string): AdaptationSettings {
  return {
    ...config.adaptation,
    modelDir: config.model.dir,
    // The schema allows only the preferences selectBackend knows.
    backend: config.model.backend as BackendPreference,
    dataDir,
    stateDir: config.state.dir,
  };
}
