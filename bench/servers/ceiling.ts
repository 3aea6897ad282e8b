/**
 * The ceiling: a bare node:http server answering a small JSON body. Reports its port over IPC.
 * With BENCH_PROCESSES=N it runs N node:cluster workers on one port, like `openpdx start --workers N`.
 */
import cluster from 'node:cluster';
import { createServer } from 'node:http';
import './guard.ts';
import { clusterPrimary } from './cluster.ts';

const BODY = Buffer.from(JSON.stringify({ status: 'ok', service: 'ceiling' }));
const processes = Number(process.env.BENCH_PROCESSES ?? 1);

if (processes > 1 && cluster.isPrimary) {
  clusterPrimary(processes, (port) => process.send?.({ port }));
} else {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': BODY.length });
    res.end(BODY);
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    if (!cluster.isWorker) process.send?.({ port: address.port });
  });
  process.on('SIGTERM', () => process.exit(0));
}
