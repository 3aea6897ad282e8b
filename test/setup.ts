// Tests never reach outside this machine: refuse any non-loopback outbound connection.
import net from 'node:net';

const originalConnect = net.Socket.prototype.connect;
const LOOPBACK = /^(127\.|::1$|localhost$|::ffff:127\.)/;

net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: unknown[]) {
  const first = args[0] as { host?: string; path?: string } | number | string | undefined;
  const host =
    typeof first === 'object' && first !== null
      ? first.path
        ? 'localhost'
        : (first.host ?? 'localhost')
      : typeof args[1] === 'string'
        ? args[1]
        : 'localhost';
  if (!LOOPBACK.test(host)) throw new Error(`outbound network blocked in tests: ${host}`);
  return (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args);
} as typeof net.Socket.prototype.connect;
