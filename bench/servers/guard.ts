/**
 * Preloaded into every benchmark child (`--import`): when the bench parent goes away, even by
 * SIGKILL, the IPC channel closes and the child stops gracefully instead of lingering as an orphan.
 */
if (process.send) {
  // The channel is a lifeline only: it must not keep a finished child alive.
  process.channel?.unref();
  process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}
