import { AdaptdError } from '../errors.js';
import { adapters } from './adapters.js';
import { coralAlignment } from './alignment/coralAlignment.js';
import { dann } from './alignment/dann.js';
import { mmdAlignment } from './alignment/mmdAlignment.js';
import { normRestat } from './alignment/normRestat.js';
import { linearProbe, mlpProbe, sourceOnlyProbe } from './featureExtraction.js';
import { fineTuneGradual, fineTuneLlrd } from './fineTune.js';
import { gcodeMultiTask } from './gcodeMultiTask.js';
import { gcodeSelf } from './gcodeSelfSupervision.js';
import { prototypes } from './prototypes.js';
import type { TransferStrategy } from './strategy.js';

/**
 * Every transfer strategy by name, for the evaluation command and the daemon's
 * configuration. Strategies are stateless objects, so one list serves every caller;
 * add a strategy with one line here.
 */
const STRATEGIES: readonly TransferStrategy[] = [
  sourceOnlyProbe,
  linearProbe,
  mlpProbe,
  fineTuneLlrd,
  fineTuneGradual,
  prototypes,
  adapters,
  gcodeSelf,
  gcodeMultiTask,
  mmdAlignment,
  coralAlignment,
  dann,
  normRestat,
];

const byName = new Map(STRATEGIES.map((strategy) => [strategy.name, strategy] as const));

/** Names of all registered strategies, in registration order. */
export function strategyNames(): string[] {
  return STRATEGIES.map((strategy) => strategy.name);
}

/** The strategy registered under `name`; throws naming the known strategies otherwise. */
export function findStrategy(name: string): TransferStrategy {
  const strategy = byName.get(name);
  if (strategy === undefined) {
    throw new AdaptdError(
      'CONFIG_INVALID',
      `unknown transfer strategy "${name}"; known: ${strategyNames().join(', ')}`,
      { context: { name, known: strategyNames() } },
    );
  }
  return strategy;
}
