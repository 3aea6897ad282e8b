/**
 * Child-process bookkeeping for the benchmark: every server runs in its own child, every child is
 * registered here, and every one is killed (by its own pid) when the parent exits or fails.
 * Children also watch their IPC channel (see servers/guard.ts), so a SIGKILLed parent leaves no orphan.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const live = new Set<ChildProcess>();
/** The last few KiB a child printed, shown when it fails (never echoed otherwise: it may hold secrets). */
const tails = new WeakMap<ChildProcess, string>();
const TAIL_BYTES = 4096;

function track(child: ChildProcess): ChildProcess {
  live.add(child);
  tails.set(child, '');
  const keep = (chunk: Buffer) => tails.set(child, ((tails.get(child) ?? '') + chunk.toString()).slice(-TAIL_BYTES));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.on('exit', () => live.delete(child));
  return child;
}

export function tailOf(child: ChildProcess): string {
  return tails.get(child) ?? '';
}

/** A bench/servers/*.ts script in a child with an IPC channel, through tsx. */
export function forkScript(relative: string, env: NodeJS.ProcessEnv = {}): ChildProcess {
  const file = fileURLToPath(new URL(relative, import.meta.url));
  return track(
    fork(file, [], { execArgv: ['--import', 'tsx'], env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] }),
  );
}

/** Any node command line in a child with an IPC channel (the channel is only a lifeline). */
export function spawnNode(args: string[], cwd: string, env: NodeJS.ProcessEnv): ChildProcess {
  return track(spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] }));
}

/** Resolves with the first IPC message; rejects if the child exits or stays silent too long. */
export function firstMessage<T>(child: ChildProcess, what: string, timeoutMs = 30_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`${what}: not ready after ${timeoutMs} ms\n${tailOf(child)}`)), timeoutMs);
    const onExit = (code: number | null, signal: string | null) =>
      fail(new Error(`${what}: exited early (code ${code}, signal ${signal})\n${tailOf(child)}`));
    const onMessage = (m: unknown) => {
      cleanup();
      resolve(m as T);
    };
    function cleanup() {
      clearTimeout(timer);
      child.off('exit', onExit);
      child.off('message', onMessage);
    }
    function fail(err: Error) {
      cleanup();
      reject(err);
    }
    child.on('exit', onExit);
    child.on('message', onMessage);
  });
}

/** Resolves once the child's stdout contains `needle`. */
export function waitForOutput(child: ChildProcess, needle: string, what: string, timeoutMs = 60_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`${what}: no "${needle}" after ${timeoutMs} ms\n${tailOf(child)}`)), timeoutMs);
    const onExit = (code: number | null, signal: string | null) =>
      fail(new Error(`${what}: exited early (code ${code}, signal ${signal})\n${tailOf(child)}`));
    const onData = () => {
      if (!tailOf(child).includes(needle)) return;
      cleanup();
      resolve();
    };
    function cleanup() {
      clearTimeout(timer);
      child.off('exit', onExit);
      child.stdout?.off('data', onData);
    }
    function fail(err: Error) {
      cleanup();
      reject(err);
    }
    child.on('exit', onExit);
    // Registered after track()'s listener, so the tail already holds this chunk.
    child.stdout?.on('data', onData);
  });
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
export function stop(child: ChildProcess, graceMs = 10_000): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    child.kill('SIGTERM');
  });
}

/** Synchronous last resort (usable from an 'exit' handler): SIGKILL each child still alive. */
export function killAll(): void {
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  live.clear();
}
