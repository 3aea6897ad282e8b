/**
 * CPU time from /proc, for the benchmarks' CPU per request: the server's (its process and child
 * processes, and their main threads apart), the machine's PostgreSQL processes', and this
 * process's own (the load generator). Linux only; elsewhere every figure reads 0.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

function pidsOf(pid: number): number[] {
  try {
    const children = execFileSync('pgrep', ['-P', String(pid)])
      .toString()
      .trim()
      .split('\n')
      .filter(Boolean);
    return [pid, ...children.map(Number)];
  } catch {
    return [pid]; // no children
  }
}

/** Clock ticks (1/100 s) of CPU (user + system) in /proc/<pid>[/task/<tid>]/stat. */
function ticksOf(statPath: string): number {
  try {
    const fields = readFileSync(statPath, 'utf8').split(') ')[1]!.split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0; // gone
  }
}

/**
 * CPU used so far, in clock ticks: by `pid` and its child processes in all, and by each process's
 * main thread (a thread's id is its process's id) apart from its other threads (side threads,
 * libuv's pool, V8's helpers).
 */
export function cpuTicks(pid: number): { all: number; main: number } {
  let all = 0;
  let main = 0;
  for (const p of pidsOf(pid)) {
    all += ticksOf(`/proc/${p}/stat`);
    main += ticksOf(`/proc/${p}/task/${p}/stat`);
  }
  return { all, main };
}

/**
 * CPU used so far by PostgreSQL's processes on this machine (its backends serve the server's
 * queries), in clock ticks: on PostgreSQL the database's own work per request is part of the cost,
 * and on a shared 2-core machine it competes with the server for the same cores. 0 where there is
 * no local PostgreSQL process (a remote database).
 */
function postgresTicks(): number {
  let pids: string[];
  try {
    pids = execFileSync('pgrep', ['-x', 'postgres']).toString().trim().split('\n').filter(Boolean);
  } catch {
    return 0; // none running here
  }
  return pids.reduce((sum, pid) => sum + ticksOf(`/proc/${pid}/stat`), 0);
}

/** What one measured stretch of load cost in CPU, per request, and what that allows. */
export interface CpuCost {
  /** µs of CPU per request: the server, PostgreSQL (0 on SQLite) and the load generator */
  serverMicros: number;
  databaseMicros: number;
  loadMicros: number;
  /** cores busy on average over the stretch, all three together */
  busyCores: number;
  /** the most req/s the machine's cores could serve at that CPU per request */
  bound: number;
  cores: number;
}

/**
 * Samples the CPU of a server (pid), of PostgreSQL when `database` is set, and of this process,
 * around a stretch of load: `start()` before, `stop(responses, seconds)` after.
 */
export class CpuProbe {
  private before: { server: number; database: number; own: NodeJS.CpuUsage } | undefined;

  constructor(
    private readonly pid: number,
    private readonly database: boolean,
  ) {}

  start(): void {
    this.before = { server: cpuTicks(this.pid).all, database: this.database ? postgresTicks() : 0, own: process.cpuUsage() };
  }

  stop(responses: number, seconds: number): CpuCost {
    const b = this.before;
    if (!b) throw new Error('CpuProbe.stop without start');
    this.before = undefined;
    const server = (cpuTicks(this.pid).all - b.server) * 10_000; // µs
    // A PostgreSQL process that exits meanwhile (an idle connection closed, a vacuum worker done)
    // takes its ticks out of the sum: the figure is then an underestimate, never below nothing.
    const database = this.database ? Math.max(0, postgresTicks() - b.database) * 10_000 : 0;
    const ownUsage = process.cpuUsage(b.own);
    const own = ownUsage.user + ownUsage.system;
    const per = (micros: number) => micros / Math.max(responses, 1);
    const total = per(server) + per(database) + per(own);
    const cores = availableParallelism();
    return {
      serverMicros: per(server),
      databaseMicros: per(database),
      loadMicros: per(own),
      busyCores: (server + database + own) / 1e6 / seconds,
      bound: total > 0 ? (cores * 1e6) / total : Infinity,
      cores,
    };
  }
}
