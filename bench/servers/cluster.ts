/**
 * The primary of a benchmark server run as N node:cluster workers (the ceiling and the peer, so
 * that they can be compared with `openpdx start --workers N` process for process). Workers share
 * one listening port; `ready` gets it once all of them listen. SIGTERM stops the workers, then this.
 */
import cluster from 'node:cluster';

export function clusterPrimary(processes: number, ready: (port: number) => void, env: NodeJS.ProcessEnv = {}): void {
  let listening = 0;
  for (let i = 0; i < processes; i++) {
    cluster.fork(env).once('listening', (address) => {
      if (++listening === processes) ready(address.port);
    });
  }
  process.on('SIGTERM', () => {
    const workers = Object.values(cluster.workers ?? {});
    let left = workers.length;
    if (left === 0) process.exit(0);
    for (const w of workers) {
      w?.once('exit', () => --left === 0 && process.exit(0));
      w?.process.kill('SIGTERM');
    }
  });
}
