import type { Worker } from 'node:worker_threads';

/**
 * Asks a worker thread that understands `{ close: true }` to finish and waits for it to exit. It
 * is held referenced until then: otherwise a process with nothing else left would end mid-close.
 */
export async function stopWorker(worker: Worker): Promise<void> {
  const exited = new Promise<void>((r) => worker.once('exit', () => r()));
  worker.ref();
  worker.postMessage({ close: true });
  await exited;
}
