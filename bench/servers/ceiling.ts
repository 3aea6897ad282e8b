/** The ceiling: a bare node:http server answering a small JSON body. Reports its port over IPC. */
import { createServer } from 'node:http';
import './guard.ts';

const BODY = Buffer.from(JSON.stringify({ status: 'ok', service: 'ceiling' }));

const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': BODY.length });
  res.end(BODY);
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  process.send?.({ port: address.port });
});
process.on('SIGTERM', () => process.exit(0));
