/** The app's own logger (with its redaction), writing into an array a test can search. */
import { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { createLogger } from '../src/logger.ts';

export function captureLogs(level = 'trace'): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { logger: createLogger(level, sink), lines };
}
