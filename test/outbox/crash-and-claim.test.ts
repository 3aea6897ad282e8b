import { spawn } from 'node:child_process';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAppContext, type AppContext } from '../../src/app-context.ts';
import { ManualClock } from '../../src/clock.ts';
import { OutboxStore } from '../../src/outbox/outbox-store.ts';
import type { TestApp } from '../harness.ts';
import { connectionTo, consentedMember, manualOutboxApp, outboxRows, Receiver } from './helpers.ts';

let t: TestApp & { clock: ManualClock };
let receiver: Receiver;
const nowSeconds = () => Math.floor(Date.now() / 1000);
beforeEach(async () => {
  t = await manualOutboxApp({}, nowSeconds());
  receiver = await Receiver.start();
});
afterEach(async () => {
  await receiver.close();
  await t.close();
});

/** A second context on the same database (another process, as far as the database can tell). */
async function secondContext(clock = t.clock): Promise<AppContext> {
  return createAppContext(t.ctx.config, {
    logger: pino({ level: 'silent' }),
    clock,
    databaseOptions: t.ctx.database.pgSchema ? { pgSchema: t.ctx.database.pgSchema } : {},
    migrate: false,
    startWorkers: false,
  });
}

async function enqueueEvents(nid: number, n: number): Promise<void> {
  for (let uid = 1; uid <= n; uid++) {
    await t.ctx.db
      .transaction()
      .execute((trx) => t.ctx.outbox.enqueueConnectionEvent(trx, { uid, nid, event: 'member.deleted' }));
  }
}

describe('claims across processes', () => {
  it('lets only one of two workers lease a row', async () => {
    const { nid } = await connectionTo(t, receiver.url(), ['ds_events:r']);
    await enqueueEvents(nid, 1);
    const other = await secondContext();
    try {
      const [row] = await outboxRows(t);
      const now = t.clock.now();
      const mine = new OutboxStore(t.ctx.db);
      const theirs = new OutboxStore(other.db);
      const [a, b] = await Promise.all([mine.claim(row!.id, now, 60), theirs.claim(row!.id, now, 60)]);
      expect([a, b].filter(Boolean)).toHaveLength(1);
      expect(await mine.claim(row!.id, now + 59, 60)).toBeUndefined();
      expect(await theirs.claim(row!.id, now + 61, 60)).toMatchObject({ id: row!.id });
    } finally {
      await other.close();
    }
  });

  it('two contexts polling one database deliver every row exactly once between them', async () => {
    const { nid } = await connectionTo(t, receiver.url(), ['ds_events:r']);
    await enqueueEvents(nid, 30);
    const other = await secondContext();
    try {
      let total = 0;
      for (let round = 0; round < 10; round++) {
        // Both poll at once, each twice, so their lists of due rows overlap and their claims race.
        const counts = await Promise.all([
          t.ctx.outbox.runOnce(),
          other.outbox.runOnce(),
          t.ctx.outbox.runOnce(),
          other.outbox.runOnce(),
        ]);
        const n = counts.reduce((a, b) => a + b, 0);
        if (n === 0) break;
        total += n;
      }
      expect(total).toBe(30);
      const ids = receiver.requests.map((r) => r.headers['webhook-id']);
      expect(ids).toHaveLength(30);
      expect(new Set(ids).size).toBe(30);
      expect((await outboxRows(t)).every((r) => r.status === 'delivered')).toBe(true);
    } finally {
      await other.close();
    }
  });
});

describe('crash safety (WH-01, GS-02)', () => {
  it('delivers after the delivering process is SIGKILLed mid-request: none lost, same webhook-id', async () => {
    receiver.reply = () => 'hold';
    const { nid } = await connectionTo(t, receiver.url(), ['ds_personal_details:rw']);
    await consentedMember(t, [nid]);
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'crash-child.ts')], {
      env: {
        ...process.env,
        OPENPDX_DATABASE_URL: t.ctx.config.databaseUrl,
        OPENPDX_MASTER_KEY: t.ctx.config.masterKey,
        OPENPDX_DATA_DIR: t.dir,
        OPENPDX_LOG_LEVEL: 'silent',
        OPENPDX_SEED: 'off',
        OPENPDX_TEST_PG_SCHEMA: t.ctx.database.pgSchema ?? '',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    try {
      await receiver.waitFor(1);
    } finally {
      child.kill('SIGKILL');
    }
    expect(await exited).toBe('SIGKILL');

    // The dead process's lease holds the row for 60 s, then anyone may take it.
    const [leased] = await outboxRows(t);
    expect(leased).toMatchObject({ status: 'pending', attempts: 0 });
    expect(leased!.lease_until).toBeGreaterThan(t.clock.now());
    expect(await t.ctx.outbox.runOnce()).toBe(0);

    receiver.reply = () => ({ status: 200 });
    t.clock.advance(leased!.lease_until - t.clock.now() + 1);
    const fresh = await secondContext();
    try {
      expect(await fresh.outbox.runOnce()).toBe(1);
    } finally {
      await fresh.close();
    }
    expect(receiver.requests.length).toBeGreaterThanOrEqual(2);
    expect(new Set(receiver.requests.map((r) => r.headers['webhook-id']))).toEqual(new Set([leased!.event_id]));
    expect(await outboxRows(t)).toMatchObject([{ status: 'delivered', attempts: 1, payload_enc: null }]);
  });

  it('stop() hands an attempt that outlives the grace period back to the queue, uncounted', async () => {
    receiver.reply = () => 'hold';
    const { nid } = await connectionTo(t, receiver.url(), ['ds_events:r']);
    await enqueueEvents(nid, 1);
    await t.ctx.outbox.start();
    await receiver.waitFor(1);
    const started = Date.now();
    await t.ctx.outbox.stop();
    expect(Date.now() - started).toBeGreaterThanOrEqual(4_500);
    expect(await outboxRows(t)).toMatchObject([{ status: 'pending', attempts: 0, lease_until: 0, last_error: null }]);
    receiver.reply = () => ({ status: 200 });
    expect(await t.ctx.outbox.runOnce()).toBe(1);
    expect(await outboxRows(t)).toMatchObject([{ status: 'delivered', attempts: 1 }]);
  });
});
