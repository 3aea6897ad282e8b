import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { createLogger } from '../logger.ts';
import { LazyChildLogger, lazyChildLogger } from './lazy-logger.ts';

function capture(level: string) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  const logger = createLogger(level, sink);
  return { logger, lines, flush: () => new Promise((r) => setImmediate(r)) };
}

describe('lazy per-request child logger', () => {
  it('makes no child while nothing is logged at an enabled level', async () => {
    const { logger, lines, flush } = capture('warn');
    const spy = vi.spyOn(logger, 'child');
    const log = new LazyChildLogger(logger, { reqId: 'r1' }, {});
    log.info('quiet');
    log.debug('quieter');
    await flush();
    expect(spy).not.toHaveBeenCalled();
    expect(lines).toEqual([]);
    expect(log.level).toBe('warn');
    expect(log.isLevelEnabled('info')).toBe(false);
  });

  it('writes what an eager child writes, bindings and redaction included, making the child once', async () => {
    const { logger, lines, flush } = capture('info');
    const spy = vi.spyOn(logger, 'child');
    const log = new LazyChildLogger(logger, { reqId: 'r2' }, {});
    log.info({ url: '/x', req: { headers: { authorization: 'Bearer secret' } } }, 'one');
    log.error('two');
    await flush();
    expect(spy).toHaveBeenCalledTimes(1);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ reqId: 'r2', url: '/x', msg: 'one', service: 'openpdx' });
    expect(JSON.stringify(lines[0])).not.toContain('Bearer secret');
    expect(lines[1]).toMatchObject({ reqId: 'r2', msg: 'two', level: 50 });
  });

  it('hands out real children and eager ones for routes with their own level', async () => {
    const { logger, lines, flush } = capture('info');
    const lazy = new LazyChildLogger(logger, { reqId: 'r3' }, {});
    lazy.child({ step: 'inner' }).warn('nested');
    const eager = lazyChildLogger(logger, { reqId: 'r4' }, { level: 'error' });
    expect(eager).not.toBeInstanceOf(LazyChildLogger);
    eager.warn('dropped');
    eager.error('kept');
    await flush();
    expect(lines.map((l) => [l.reqId, l.step, l.msg])).toEqual([
      ['r3', 'inner', 'nested'],
      ['r4', undefined, 'kept'],
    ]);
    expect(pino.levels.values.error).toBe(50);
  });
});
