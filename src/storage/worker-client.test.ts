import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { WorkerClient } from './worker-client.ts';

/** Echoes `{ id, n }` as `{ id, twice: 2n }`, ignores messages with `silent`, and ends on close. */
const ECHO = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', (m) => {
  if (m.close) return parentPort.close();
  if (m.silent) return;
  parentPort.postMessage({ id: m.id, twice: m.n * 2 });
});
`;

interface Reply {
  id: number;
  twice: number;
}

class ThreadDied extends Error {}

let starts = 0;
let client: WorkerClient<Reply>;
const workers: Worker[] = [];

function newClient(): WorkerClient<Reply> {
  starts = 0;
  return new WorkerClient<Reply>({
    start: () => {
      const w = new Worker(ECHO, { eval: true });
      workers.push(w);
      return w;
    },
    exited: (code) => new ThreadDied(`exited ${code}`),
    onStart: () => starts++,
  });
}

afterEach(async () => {
  await client.close();
  await Promise.all(workers.splice(0).map((w) => w.terminate()));
});

describe('WorkerClient', () => {
  it('matches each reply to its request, starting one thread on first use', async () => {
    client = newClient();
    expect(starts).toBe(0);
    const replies = await Promise.all([1, 2, 3].map((n) => client.request({ n })));
    expect(replies.map((r) => r.twice)).toEqual([2, 4, 6]);
    expect(new Set(replies.map((r) => r.id)).size).toBe(3);
    expect(starts).toBe(1);
  });

  it('fails what a dead thread held with the exit error, then starts a new one for the next request', async () => {
    client = newClient();
    await client.request({ n: 1 });
    const held = client.request({ silent: true });
    await workers[0]!.terminate();
    await expect(held).rejects.toBeInstanceOf(ThreadDied);
    // A function message is built after the new thread's onStart (so it can resend lost state).
    let startsSeen = -1;
    const next = await client.request(() => {
      startsSeen = starts;
      return { n: 5 };
    });
    expect(next.twice).toBe(10);
    expect(startsSeen).toBe(2);
    expect(workers).toHaveLength(2);
  });

  it('waits for what is in flight on close, then ends the thread', async () => {
    client = newClient();
    const pending = client.request({ n: 7 });
    const exited = new Promise<number>((r) => workers[0]!.once('exit', r));
    await client.close();
    expect((await pending).twice).toBe(14);
    expect(client.closed).toBe(true);
    // It ended by itself on { close: true } (code 0), not by being terminated.
    expect(await exited).toBe(0);
  });
});
