import cluster, { type Worker } from 'node:cluster';
import type { Command } from 'commander';
import type { FastifyInstance } from 'fastify';
import { formatSandboxCredentials, sandboxCredentialsPath, seedSandbox } from '../../admin/seed.ts';
import { buildApp } from '../../app.ts';
import { createAppContext, type AppContext, type ContextOverrides } from '../../app-context.ts';
import type { Config } from '../../config/config.ts';
import { databaseOutage } from '../../storage/dialect.ts';
import { examples } from '../options.ts';
import { cliConfig, type CliRuntime } from '../runtime.ts';
import { aggregateWorkerMetrics } from '../../metrics.ts';

/** A worker that dies this many times within CRASH_WINDOW_MS makes the primary give up. */
const MAX_CRASHES = 5;
const CRASH_WINDOW_MS = 60_000;
/** A worker still running this long after the shutdown deadline is killed. */
const WORKER_KILL_GRACE_MS = 5_000;

export function registerStartCommand(program: Command, rt: CliRuntime): void {
  examples(
    program
      .command('start')
      .description(
        'start the server (every surface on one port); SIGTERM or SIGINT stops it gracefully. ' +
          'With OPENPDX_WORKERS=N (or auto) N processes share the port; a crashed one is replaced.',
      )
      .option('--workers <n>', 'processes to serve from, or `auto` for one per CPU core (overrides OPENPDX_WORKERS)'),
    'OPENPDX_PORT=8080 openpdx start',
    'OPENPDX_WORKERS=auto openpdx start',
    'OPENPDX_ENV=live OPENPDX_PUBLIC_URL=https://pdx.example.org OPENPDX_MASTER_KEY=… openpdx start',
  ).action(async (opts: { workers?: string }) => {
    const config = cliConfig(
      opts.workers === undefined ? rt : { ...rt, io: { ...rt.io, env: { ...rt.io.env, OPENPDX_WORKERS: opts.workers } } },
    );
    if (config.workers > 1 && cluster.isPrimary) return runPrimary(config, rt);
    await serve(config, rt, cluster.isWorker);
  });
}

/** A port another program holds, said so with what to do about it. */
function busyPort(err: unknown, config: Config): Error | undefined {
  if ((err as { code?: unknown }).code !== 'EADDRINUSE') return undefined;
  return new Error(
    `port ${config.port} on ${config.host} is already in use by another program. ` +
      `Stop that program, or choose another port: OPENPDX_PORT=${config.port + 1} openpdx start`,
  );
}

/** One serving process: the whole server when alone, or one cluster worker. */
async function serve(config: Config, rt: CliRuntime, asWorker: boolean): Promise<void> {
  const ctx = await openWhenReachable(config, rt, rt.contextOverrides ?? {});
  if (!ctx) return;
  let app: FastifyInstance | undefined;
  try {
    app = await buildApp(ctx);
    // A cluster's primary has seeded before forking; its workers only serve.
    if (!asWorker && config.env === 'sandbox' && config.seed === 'auto') await seed(ctx, rt);
    const address = await app.listen({ port: config.port, host: config.host }).catch((err: unknown) => {
      throw busyPort(err, config) ?? err;
    });
    if (!asWorker)
      rt.io.out(`OpenPDX (${config.env}) listening on ${address}; public URL ${config.publicUrl}\n${sandboxNotice(config)}`);
  } catch (err) {
    await app?.close();
    await ctx.close();
    throw err;
  }
  const signal = await (rt.waitForShutdown ?? nextSignal)();
  if (!asWorker) rt.io.out(`${signal}: finishing in-flight requests, then stopping.\n`);
  await closeWithin(app, config.shutdownTimeoutMs, (left) =>
    rt.io.err(`shutdown: ${left} connection(s) still open after ${config.shutdownTimeoutMs / 1000} s; closing them\n`),
  );
  await ctx.close();
}

/**
 * Fastify's close stops accepting connections, closes idle keep-alive ones and waits for
 * in-flight requests; a client that stalls mid-request would make it wait forever. After
 * `deadlineMs` every connection left is closed (docs/operations.md, "Stopping").
 */
async function closeWithin(app: FastifyInstance, deadlineMs: number, report: (left: number) => void): Promise<void> {
  const timer = setTimeout(() => {
    app.server.getConnections((_err, left) => report(left));
    app.server.closeAllConnections();
  }, deadlineMs);
  try {
    await app.close();
  } finally {
    clearTimeout(timer);
  }
}

/** Longest wait between two attempts to reach the database at start-up. */
const MAX_STARTUP_RETRY_SECONDS = 30;

/**
 * The app context, once the database can be reached: a process that starts while PostgreSQL is
 * down or restarting (a worker replaced during an outage, say) waits and tries again with
 * exponential backoff instead of exiting. Any other start-up error is fatal at once. Undefined
 * when a stop signal arrives while waiting.
 */
async function openWhenReachable(config: Config, rt: CliRuntime, overrides: ContextOverrides): Promise<AppContext | undefined> {
  for (let attempt = 0; ; attempt++) {
    try {
      const ctx = await createAppContext(config, overrides);
      if (attempt > 0) rt.io.err(`the database is reachable again after ${attempt} attempt(s); starting\n`);
      return ctx;
    } catch (err) {
      if (!databaseOutage(config.databaseUrl, err)) throw err;
      const wait = Math.min(MAX_STARTUP_RETRY_SECONDS, 2 ** attempt);
      const why = err instanceof Error ? err.message : String(err);
      rt.io.err(`the database cannot be reached (${why}); trying again in ${wait} s\n`);
      if (await stoppedWithin(wait * 1000)) return undefined;
    }
  }
}

/** Resolves true if SIGTERM or SIGINT arrives within `ms`, false once `ms` have passed. */
function stoppedWithin(ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (stopped: boolean) => {
      clearTimeout(timer);
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      resolve(stopped);
    };
    const onSignal = () => done(true);
    const timer = setTimeout(() => done(false), ms);
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
}

/**
 * The cluster's primary serves nothing: it migrates and seeds once, forks the workers (which share
 * the listening socket), replaces a worker that dies, and on a signal stops them all gracefully.
 */
async function runPrimary(config: Config, rt: CliRuntime): Promise<void> {
  const ctx = await openWhenReachable(config, rt, { ...rt.contextOverrides, startWorkers: false });
  if (!ctx) return;
  try {
    if (config.env === 'sandbox' && config.seed === 'auto') await seed(ctx, rt);
  } finally {
    await ctx.close();
  }

  let stopping = false;
  let listening = 0;
  let announced = false;
  const crashes: number[] = [];
  const workers = new Set<Worker>();
  let fatal: ((err: Error) => void) | undefined;
  const failed = new Promise<never>((_, reject) => (fatal = reject));
  failed.catch(() => undefined);

  // Each worker accepts from the shared socket itself. With the default round-robin the primary
  // accepts and hands each connection over, and one in the hand-over to a worker that dies is
  // neither answered nor closed (nodejs/node#3551, #21746). Now a dying worker's own connections
  // are reset, and the rest wait in the kernel's queue for the other workers.
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  // GET /metrics, on whichever worker, answers for all of them (src/metrics.ts).
  aggregateWorkerMetrics();
  const fork = () => {
    const worker = cluster.fork();
    workers.add(worker);
    let up = false;
    worker.once('listening', (address) => {
      up = true;
      // A replacement's readiness, for the operator (and the fault tests, which wait for it).
      if (announced) rt.io.err(`worker ${worker.process.pid} is listening (replacement ready)\n`);
      if (++listening === config.workers && !announced) {
        announced = true;
        const host = address.address ?? config.host;
        rt.io.out(
          `OpenPDX (${config.env}) listening on http://${host}:${address.port} with ${config.workers} worker processes; ` +
            `public URL ${config.publicUrl}\n${sandboxNotice(config)}`,
        );
      }
    });
    worker.once('exit', (code, signal) => {
      workers.delete(worker);
      if (stopping) return;
      // A worker that exits on its own before listening (a port in use, a bad setting) would only
      // fail again: give up. One killed by a signal while starting is replaced like any other.
      if (!up && signal === null) {
        fatal?.(new Error(`a worker process exited during start-up (code ${code}); see its error above`));
        return;
      }
      const now = Date.now();
      crashes.push(now);
      while (crashes.length && crashes[0]! < now - CRASH_WINDOW_MS) crashes.shift();
      if (crashes.length >= MAX_CRASHES) {
        fatal?.(new Error(`worker processes died ${crashes.length} times within a minute; giving up`));
        return;
      }
      rt.io.err(`worker ${worker.process.pid} exited (code ${code}, signal ${signal}); starting a replacement\n`);
      listening--;
      fork();
    });
  };
  for (let i = 0; i < config.workers; i++) fork();

  let failure: Error | undefined;
  const signal = await Promise.race([(rt.waitForShutdown ?? nextSignal)(), failed]).catch((err: Error) => {
    failure = err;
    return 'failure';
  });
  stopping = true;
  if (!failure) rt.io.out(`${signal}: finishing in-flight requests in ${workers.size} worker processes, then stopping.\n`);
  const exits = [...workers].map((w) => new Promise<void>((r) => (w.isDead() ? r() : w.once('exit', () => r()))));
  for (const w of workers) if (!w.isDead()) w.process.kill('SIGTERM');
  // Each worker closes its own connections at the shutdown deadline; one that still has not
  // exited a little after it is killed.
  const kill = setTimeout(() => {
    for (const w of workers) if (!w.isDead()) w.process.kill('SIGKILL');
  }, config.shutdownTimeoutMs + WORKER_KILL_GRACE_MS);
  await Promise.all(exits);
  clearTimeout(kill);
  if (failure) throw failure;
}

async function seed(ctx: AppContext, rt: CliRuntime): Promise<void> {
  const file = sandboxCredentialsPath(ctx.config);
  const credentials = await seedSandbox(ctx);
  // Printed, never logged: the log pipeline may leave this machine.
  rt.io.out(
    credentials
      ? formatSandboxCredentials(credentials, file)
      : `Sandbox demo data already exists; its credentials are in ${file}\n`,
  );
}

/**
 * The first SIGTERM or SIGINT starts a graceful stop. Later ones are ignored rather than left to
 * Node's default (exit at once): Ctrl-C reaches a cluster's workers directly and the primary then
 * forwards SIGTERM as well, and neither may cut their in-flight requests short.
 */
function nextSignal(): Promise<string> {
  return new Promise((resolve) => {
    let first: string | undefined;
    const on = (signal: NodeJS.Signals) => {
      if (first) return;
      first = signal;
      resolve(signal);
    };
    process.on('SIGTERM', on);
    process.on('SIGINT', on);
  });
}

/** What a sandbox exposes, said at every start (docs/security.md, "The sandbox"). */
function sandboxNotice(config: Config): string {
  if (config.env !== 'sandbox') return '';
  if (config.sandboxExposed) {
    return (
      `WARNING: this sandbox serves ${config.host} (OPENPDX_SANDBOX_EXPOSE=true). /dev/outbox and /dev/callbacks ` +
      'show member keys, one-time links and messages to anyone who can reach it. Use demo data only.\n'
    );
  }
  return (
    `Sandbox: reachable from this machine only (${config.host}). /dev/outbox and /dev/callbacks show member keys ` +
    'without authentication; OPENPDX_SANDBOX_EXPOSE=true would serve another interface.\n'
  );
}
