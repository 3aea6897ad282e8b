/**
 * Faults against `openpdx start` as a real process (docs/operations.md): a stalled client cannot
 * hold a stopping server past its deadline; killing workers under load leaves no connection
 * unanswered; and (the PostgreSQL half) a PostgreSQL restart or crash under write load leaves the
 * cluster up, answering 503 meanwhile, resuming by itself, with every acknowledged write stored.
 * The SQLite half runs the first two on SQLite, the PostgreSQL half on a PostgreSQL of its own.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PG_URL } from '../harness.ts';
import { startPrivatePostgres, type PrivatePostgres } from '../private-postgres.ts';
import { connectionChurn, storedNames, writeLoad } from './load.ts';
import { startServerProcess, until, type ServerProcess } from './server-process.ts';

let pg: PrivatePostgres | undefined;
beforeAll(async () => {
  if (TEST_PG_URL) pg = await startPrivatePostgres();
}, 60_000);
afterAll(() => pg?.destroy());

/** A database of its own for each server process (each has its own master key). */
const databaseUrl = async () => (pg ? pg.createDatabase() : undefined);

/** Opens a connection and sends a request's headers and the start of its body, then nothing more. */
function stall(base: string): Promise<net.Socket> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => {
      socket.write(
        `POST /api/pds/transaction?uid=1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"ds_`,
      );
      resolve(socket);
    });
    // Read (and drop) what the server sends, so its closing the connection is seen as 'close'.
    socket.resume();
    socket.on('error', reject);
  });
}

describe.each([1, 2])('stopping with a stalled client (%i worker processes)', (workers) => {
  it('exits on SIGTERM once OPENPDX_SHUTDOWN_TIMEOUT has passed, closing the stalled connection', async () => {
    const server = await startServerProcess({
      workers,
      databaseUrl: await databaseUrl(),
      env: { OPENPDX_SHUTDOWN_TIMEOUT: '2' },
    });
    try {
      const socket = await stall(server.base);
      const closed = new Promise<void>((r) => socket.on('close', () => r()));
      await new Promise((r) => setTimeout(r, 300));
      const started = Date.now();
      server.child.kill('SIGTERM');
      const code = await Promise.race([server.exited(), new Promise<'hung'>((r) => setTimeout(() => r('hung'), 20_000))]);
      expect(code).toBe(0);
      // Not a timing assertion: the server must neither hang (20 s above) nor skip the deadline.
      expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
      await closed;
      expect(server.output().err).toContain('still open after 2 s; closing them');
    } finally {
      server.close();
    }
  }, 120_000);
});

describe('killing workers under load', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServerProcess({ workers: 2, databaseUrl: await databaseUrl() });
  }, 120_000);
  afterAll(() => server.close());

  it('leaves no connection unanswered over repeated kills, and loses no acknowledged write', async () => {
    let token = await server.token();
    const load = writeLoad(server.base, server.creds, () => token, { concurrency: 4, tag: 'kill', hangMs: 10_000 });
    const churn = connectionChurn(server.base, { concurrency: 16, hangMs: 5_000 });
    // Four kills: the primary gives up on a fifth crash within a minute (a crash loop).
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 400));
      const before = server.workerPids();
      const [victim] = before;
      process.kill(victim!, 'SIGKILL');
      await until(
        'a replacement worker',
        () => server.workerPids().length === 2 && !server.workerPids().includes(victim!),
        30_000,
      );
      // The next kill waits for the replacement to listen (a busy machine may take seconds): the
      // test is about killing a serving worker while another serves, not about killing them all.
      const replacement = server.workerPids().find((p) => p !== victim && !before.includes(p));
      await until('the replacement to listen', () => server.output().err.includes(`worker ${replacement} is listening`), 30_000);
      await new Promise((r) => setTimeout(r, 500));
    }
    await new Promise((r) => setTimeout(r, 500));
    const result = await load.stop();
    const connections = await churn.stop();
    token = await server.token();
    expect(connections.hung ?? 0).toBe(0);
    expect(connections['200']).toBeGreaterThan(500);
    expect(result.outcomes.hung ?? 0).toBe(0);
    expect(result.outcomes['200']).toBeGreaterThan(50);
    // A write in flight in a killed worker may fail (a reset connection), never be half-done.
    expect(Object.keys(result.outcomes).filter((k) => k !== '200' && k !== 'ECONNRESET' && k !== 'UND_ERR_SOCKET')).toEqual([]);
    const stored = await storedNames(server.base, server.creds, token);
    expect(result.acknowledged.filter((n) => !stored.has(n))).toEqual([]);
  }, 180_000);
});

describe.each(TEST_PG_URL ? (['fast', 'immediate'] as const) : [])(
  'PostgreSQL stopped (-m %s) under write load, 2 workers',
  (mode) => {
    let server: ServerProcess;
    beforeAll(async () => {
      server = await startServerProcess({ workers: 2, databaseUrl: await databaseUrl() });
    }, 120_000);
    afterAll(() => server.close());

    it('keeps every process up, answers 503 meanwhile, resumes by itself, and stores every acknowledged write', async () => {
      const pids = server.workerPids();
      let token = await server.token();
      const load = writeLoad(server.base, server.creds, () => token, { concurrency: 4, tag: `pg-${mode}` });
      await new Promise((r) => setTimeout(r, 1000));
      pg!.stop(mode);
      await new Promise((r) => setTimeout(r, 3000));
      const readyDuring = await fetch(`${server.base}/readyz`);
      pg!.start();
      await until('/readyz to answer 200 again', async () => (await fetch(`${server.base}/readyz`)).status === 200);
      await new Promise((r) => setTimeout(r, 2000));
      const result = await load.stop();
      expect(result.recoveries.length).toBeGreaterThan(0);
      expect(readyDuring.status).toBe(503);
      expect(server.child.exitCode).toBeNull();
      expect(server.workerPids().sort()).toEqual(pids.sort());
      expect(result.outcomes['503']).toBeGreaterThan(0);
      expect(result.outcomes.hung ?? 0).toBe(0);
      expect(Object.keys(result.outcomes).filter((k) => k !== '200' && k !== '503')).toEqual([]);
      token = await until('a token once PostgreSQL is back', () => server.token().catch(() => undefined), 30_000);
      const stored = await storedNames(server.base, server.creds, token);
      expect(result.acknowledged.filter((n) => !stored.has(n))).toEqual([]);
      expect((await fetch(`${server.base}/readyz`)).status).toBe(200);
    }, 180_000);
  },
);

describe.each(TEST_PG_URL ? [2] : [])('a worker replaced while PostgreSQL is down (%i workers)', (workers) => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServerProcess({ workers, databaseUrl: await databaseUrl() });
  }, 120_000);
  afterAll(() => server.close());

  it('waits for the database with backoff instead of taking the primary down, then serves', async () => {
    pg!.stop('fast');
    try {
      const [victim] = server.workerPids();
      process.kill(victim!, 'SIGKILL');
      await until(
        'the replacement to report it is waiting',
        () => server.output().err.includes('the database cannot be reached'),
        30_000,
      );
      expect(server.child.exitCode).toBeNull();
      expect(server.workerPids()).toHaveLength(workers);
    } finally {
      pg!.start();
    }
    await until(
      'the replacement to reach the database',
      () => server.output().err.includes('the database is reachable again'),
      60_000,
    );
    await until(
      'every worker to answer /readyz',
      async () => {
        const answers = await Promise.all(
          Array.from({ length: 8 }, () =>
            fetch(`${server.base}/readyz`, { headers: { connection: 'close' } }).then((r) => r.status),
          ),
        );
        return answers.every((s) => s === 200);
      },
      60_000,
    );
    expect(server.child.exitCode).toBeNull();
  }, 180_000);
});
