// Preloaded into every benchmark child (`--import`): when the bench parent goes away, even by
// SIGKILL, the IPC channel closes and the child stops gracefully instead of lingering as an orphan.
// Not in node:cluster workers: their channel leads to their primary, which they need (cluster's
// listen goes through it), and cluster already ends a worker whose primary has gone. Plain
// JavaScript, so that OpenPDX's server (compiled JavaScript) runs without tsx loaded.
import cluster from 'node:cluster';

if (process.send && !cluster.isWorker) {
  // The channel is a lifeline only: it must not keep a finished child alive.
  process.channel?.unref();
  process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}
