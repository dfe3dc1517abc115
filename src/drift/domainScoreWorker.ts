import { parentPort, workerData } from 'node:worker_threads';
import { domainClassifierScore, type DomainScoreOptions } from './domainClassifier.js';

/** What DomainScorer hands the worker. */
export interface DomainScoreJob {
  reference: Float32Array;
  recent: Float32Array;
  dim: number;
  options: DomainScoreOptions;
}

// Runs one domain-classifier score off the daemon's event loop and posts the result back.
const job = workerData as DomainScoreJob;
parentPort?.postMessage(domainClassifierScore(job.reference, job.recent, job.dim, job.options));
