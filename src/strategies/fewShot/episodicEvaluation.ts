import { AdaptdError } from '../../errors.js';
import { seededRandom, shuffled } from '../../util/random.js';
import { Standardiser } from '../embedding/standardiser.js';
import { PrototypeClassifier, type PrototypeDistance } from './prototypeClassifier.js';

export interface EpisodeSettings {
  /** Classes per episode (N). */
  ways: number;
  /** Labelled support embeddings per class (K). */
  shots: number;
  /** Query embeddings per class, disjoint from the support. */
  queries: number;
  episodes: number;
  seed: number;
  distance?: PrototypeDistance;
}

/** One episode as drawn, for inspection: indices into the embeddings. */
export interface EpisodeRecord {
  classes: number[];
  support: number[];
  query: number[];
  /** Support per episode class the prototypes held when the queries were classified. */
  prototypeCounts: number[];
  accuracy: number;
}

export interface EpisodicResult {
  meanAccuracy: number;
  /** 95 % interval of the mean over episodes (normal approximation, 1.96 standard errors). */
  interval95: [number, number];
  episodes: number;
}

/**
 * N-way K-shot evaluation of prototypes on embeddings [n, dim] with real labels: each
 * episode draws `ways` classes among those with at least shots + queries examples,
 * then disjoint support and query sets per class; the prototypes are cleared between
 * episodes. Embeddings are standardised with statistics of all given rows, which
 * uses no labels. Returns mean query accuracy with its 95 % interval.
 */
export function episodicEvaluation(
  embeddings: Float32Array,
  labels: Int32Array,
  settings: EpisodeSettings,
  onEpisode?: (record: EpisodeRecord) => void,
): EpisodicResult {
  const { ways, shots, queries, episodes } = settings;
  for (const [key, value, least] of [
    ['ways', ways, 2],
    ['shots', shots, 1],
    ['queries', queries, 1],
    ['episodes', episodes, 1],
  ] as const) {
    if (!Number.isInteger(value) || value < least) {
      throw new AdaptdError('CONFIG_INVALID', `episode ${key} is ${value}; allowed: >= ${least}`);
    }
  }
  const dim = embeddings.length / labels.length;
  if (!Number.isInteger(dim) || dim < 1) {
    throw new AdaptdError(
      'CONFIG_INVALID',
      `${embeddings.length} embedding values do not split into ${labels.length} rows`,
    );
  }
  const byClass = new Map<number, number[]>();
  labels.forEach((label, i) => {
    if (label < 0) return;
    const members = byClass.get(label);
    if (members === undefined) byClass.set(label, [i]);
    else members.push(i);
  });
  const eligible = [...byClass.keys()].filter((c) => byClass.get(c)!.length >= shots + queries);
  if (eligible.length < ways) {
    throw new AdaptdError(
      'CONFIG_INVALID',
      `${ways}-way ${shots}-shot episodes with ${queries} queries need ${ways} classes with ` +
        `${shots + queries} examples each; only ${eligible.length} have them`,
      { context: { ways, shots, queries, eligible: eligible.length } },
    );
  }
  const rows = Standardiser.fit(embeddings, dim).apply(embeddings);
  const random = seededRandom(settings.seed);
  const classifier = new PrototypeClassifier(dim, ways, settings.distance);
  const accuracies: number[] = [];
  for (let e = 0; e < episodes; e += 1) {
    classifier.reset();
    const classes = shuffled(eligible, random).slice(0, ways);
    const support: number[] = [];
    const query: number[] = [];
    classes.forEach((label, k) => {
      const drawn = shuffled(byClass.get(label)!, random);
      for (const i of drawn.slice(0, shots)) {
        classifier.add(rows.subarray(i * dim, (i + 1) * dim), k);
        support.push(i);
      }
      query.push(...drawn.slice(shots, shots + queries));
    });
    const queryRows = new Float32Array(query.length * dim);
    query.forEach((i, q) => queryRows.set(rows.subarray(i * dim, (i + 1) * dim), q * dim));
    const probabilities = classifier.predict(queryRows);
    let correct = 0;
    query.forEach((i, q) => {
      const row = probabilities.subarray(q * ways, (q + 1) * ways);
      const predicted = row.indexOf(Math.max(...row));
      if (classes[predicted] === labels[i]) correct += 1;
    });
    const accuracy = correct / query.length;
    accuracies.push(accuracy);
    onEpisode?.({ classes, support, query, prototypeCounts: classifier.counts(), accuracy });
  }
  const mean = accuracies.reduce((a, b) => a + b, 0) / episodes;
  const variance =
    episodes > 1 ? accuracies.reduce((s, a) => s + (a - mean) ** 2, 0) / (episodes - 1) : 0;
  const half = (1.96 * Math.sqrt(variance)) / Math.sqrt(episodes);
  return { meanAccuracy: mean, interval95: [mean - half, mean + half], episodes };
}
