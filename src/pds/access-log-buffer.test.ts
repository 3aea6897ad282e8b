import { describe, expect, it } from 'vitest';
import { AccessLogBuffer } from './access-log-buffer.ts';
import type { SealedRead, SideJob } from '../storage/row-appender.ts';

const row = (n: number) => ({ uid: 1, nid: null, actor: 'connection', dataset: 'ds', fields: `f${n}`, action: 'read', at: n });
const read = (expectedRows?: number): SealedRead => ({
  sql: 'select 1, 2',
  params: [],
  key: Buffer.alloc(32),
  contextPrefix: 'x',
  expectedRows,
});

/** A sink that records each batch's jobs (by their log entry) and answers every read with no rows. */
function recordingSink() {
  const batches: string[][] = [];
  return {
    batches,
    sink: {
      append: async (rows: { fields: string }[]) => void batches.push(rows.map((r) => r.fields)),
      runJobs: async (jobs: readonly (SideJob & { rows: readonly { fields?: unknown }[] })[]) => {
        batches.push(jobs.map((j) => String(j.rows[0]?.fields)));
        return jobs.map((j) => ({ rows: j.reads.map(() => []) }));
      },
    },
  };
}

describe('AccessLogBuffer', () => {
  it('groups entries of one event-loop turn into one batch', async () => {
    const { batches, sink } = recordingSink();
    const log = new AccessLogBuffer({ append: sink.append });
    await Promise.all([1, 2, 3].map((n) => log.append(row(n))));
    expect(batches).toEqual([['f1', 'f2', 'f3']]);
  });

  it('sends large reads in batches of at most about a hundred expected rows, so both threads keep working', async () => {
    const { batches, sink } = recordingSink();
    const log = new AccessLogBuffer(sink);
    await Promise.all([
      log.readThenLog([read(100)], [row(1)]),
      log.readThenLog([read(100)], [row(2)]),
      log.readThenLog([read(10)], [row(3)]),
      log.readThenLog([read(), read()], [row(4)]),
      log.readThenLog([read(60)], [row(5)]),
      log.readThenLog([read(60)], [row(6)]),
      log.append(row(7)),
    ]);
    // Each batch holds at least one job; a job that would take a batch past 100 rows starts the next.
    expect(batches).toEqual([['f1'], ['f2'], ['f3', 'f4', 'f5'], ['f6', 'f7']]);
  });
});
