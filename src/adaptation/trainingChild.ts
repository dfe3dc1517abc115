/**
 * The training process: receives one job over IPC, runs it, reports progress and the result,
 * and exits. A process of its own, so that training never blocks the daemon's event loop and
 * its TensorFlow.js memory goes back to the system when it ends.
 */
import { isAdaptdError } from '../errors.js';
import { selectBackend } from '../model/backend/selectBackend.js';
import { runTrainingJob } from './runTrainingJob.js';
import type { ChildMessage, ParentMessage } from './trainingProtocol.js';

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (process.send === undefined) resolve();
    else process.send(message, undefined, {}, () => resolve());
  });
}

async function handle(message: ParentMessage): Promise<void> {
  try {
    await selectBackend({ prefer: message.job.backend });
    const result = await runTrainingJob(message.job, {
      onProgress: (done, total) => void send({ kind: 'progress', done, total }),
      onTrained: (trainMs, counts) => void send({ kind: 'trained', trainMs, counts }),
    });
    await send({ kind: 'result', result });
    process.exitCode = 0;
  } catch (error) {
    await send({
      kind: 'error',
      message: error instanceof Error ? error.message : String(error),
      code: isAdaptdError(error) ? error.code : 'TRAINING_FAILED',
    });
    process.exitCode = 1;
  } finally {
    process.disconnect?.();
  }
}

process.once('message', (message: ParentMessage) => void handle(message));
// The daemon going away must not leave training behind.
process.once('disconnect', () => {
  if (process.exitCode === undefined) process.exit(1);
});
