import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PdsWriter } from '../../src/pds/pds-store.ts';
import type { TestApp } from '../harness.ts';
import { connectionTo, consentedMember, manualOutboxApp, outboxRows, Receiver } from './helpers.ts';

let t: TestApp;
let receiver: Receiver;
beforeEach(async () => {
  t = await manualOutboxApp();
  receiver = await Receiver.start();
});
afterEach(async () => {
  await t.close();
  await receiver.close();
});

/** Delivers everything due and returns what arrived, by path, then forgets it. */
async function flush(): Promise<{ path: string; method: string; json: unknown; type: string | undefined }[]> {
  await t.ctx.outbox.runOnce();
  const got = receiver.requests.splice(0).map((r) => ({
    path: r.url,
    method: r.method,
    type: r.headers['content-type'],
    json: r.headers['content-type'] === 'application/json' ? (JSON.parse(r.body) as unknown) : r.body,
  }));
  return got.sort((a, b) => a.path.localeCompare(b.path));
}

describe('change notifications (contract §5.4)', () => {
  it('reach exactly the other connections that have notifications on and may read the dataset', async () => {
    const reader = await connectionTo(t, receiver.url('/reader'), ['ds_events:r'], true);
    const silent = await connectionTo(t, receiver.url('/silent'), ['ds_events:r'], false);
    const otherData = await connectionTo(t, receiver.url('/other-data'), ['ds_personal_details:rw'], true);
    const writeOnly = await connectionTo(t, receiver.url('/write-only'), ['ds_events:w'], true);
    const writer = await connectionTo(t, receiver.url('/writer'), ['ds_events:rw'], true);
    const revoked = await connectionTo(t, receiver.url('/revoked'), ['ds_events:r'], true);
    const all = [reader, silent, otherData, writeOnly, writer, revoked].map((c) => c.nid);
    const m = await consentedMember(t, all);
    expect((await flush()).map((r) => `${r.method} ${r.path}`)).toHaveLength(all.length);

    expect(await t.ctx.members.grants.revoke(m.uid, revoked.nid)).toBe(true);
    expect(await flush()).toEqual([
      {
        path: '/revoked',
        method: 'POST',
        type: 'application/json',
        json: {
          type: 'connection.revoked',
          uid: String(m.uid),
          connection_id: `${m.uid}-${revoked.nid}`,
          message: `Member ${m.uid} ended connection ${m.uid}-${revoked.nid}`,
        },
      },
    ]);

    const keys = await t.ctx.members.keys.unlock(m.uid, m.privateKey);
    const rowId = await t.ctx.datasets.pds.transact(
      m.uid,
      keys,
      (w) => w.insertRow('ds_events', 0, 'test', { title: 'Dentist' }),
      writer.nid,
    );
    expect(await flush()).toEqual([
      {
        path: '/reader',
        method: 'POST',
        type: 'application/json',
        json: {
          type: 'notification',
          uid: String(m.uid),
          message: `Data for member ${m.uid} has changed`,
          dataset: 'ds_events',
          connection_id: `${m.uid}-${reader.nid}`,
          action: 'create',
          updated_id: String(rowId),
        },
      },
    ]);

    // The member's own change reaches the writer connection too.
    await t.ctx.datasets.pds.transact(m.uid, keys, (w) => w.deleteRow('ds_events', rowId), null);
    keys.wipe();
    const byMember = await flush();
    expect(byMember.map((r) => r.path)).toEqual(['/reader', '/writer']);
    expect(byMember.map((r) => (r.json as { action: string }).action)).toEqual(['delete', 'delete']);
    expect(byMember.map((r) => (r.json as { connection_id: string }).connection_id)).toEqual([
      `${m.uid}-${reader.nid}`,
      `${m.uid}-${writer.nid}`,
    ]);
  });

  it('reach only connections that may read one of the changed fields', async () => {
    const titles = await connectionTo(t, receiver.url('/titles'), ['ds_events:r:title'], true);
    const places = await connectionTo(t, receiver.url('/places'), ['ds_events:r:location'], true);
    const m = await consentedMember(t, [titles.nid, places.nid]);
    await flush();
    const keys = await t.ctx.members.keys.unlock(m.uid, m.privateKey);
    try {
      const write = <T>(fn: (w: PdsWriter) => Promise<T>) => t.ctx.datasets.pds.transact(m.uid, keys, fn, null);
      const id = await write((w) => w.insertRow('ds_events', 0, 'test', { description: 'private' }));
      expect(await flush()).toEqual([]);
      await write((w) => w.updateRow('ds_events', id, { title: 'Dentist' }));
      expect((await flush()).map((r) => r.path)).toEqual(['/titles']);
      await write((w) => w.updateRow('ds_events', id, { location: 'High Street', description: 'still private' }));
      expect((await flush()).map((r) => r.path)).toEqual(['/places']);
      // Deleting the row changes every field it held: both are told.
      await write((w) => w.deleteRow('ds_events', id));
      expect((await flush()).map((r) => r.path)).toEqual(['/places', '/titles']);
      const other = await write((w) => w.insertRow('ds_events', 0, 'test', { description: 'only this' }));
      await flush();
      await write((w) => w.deleteRow('ds_events', other));
      expect(await flush()).toEqual([]);
    } finally {
      keys.wipe();
    }
  });

  it('are queued in the transaction of the change: a rolled-back write queues nothing', async () => {
    const reader = await connectionTo(t, receiver.url('/reader'), ['ds_events:r'], true);
    const m = await consentedMember(t, [reader.nid]);
    await flush();
    const before = (await outboxRows(t)).length;
    const keys = await t.ctx.members.keys.unlock(m.uid, m.privateKey);
    await expect(
      t.ctx.datasets.pds.transact(m.uid, keys, async (w) => {
        await w.insertRow('ds_events', 0, 'test', { title: 'Never' });
        throw new Error('abort the write');
      }),
    ).rejects.toThrow('abort the write');
    keys.wipe();
    expect(await outboxRows(t)).toHaveLength(before);
  });
});

describe('connection events', () => {
  it('tells a connection with notifications off that the member deleted their account', async () => {
    const quiet = await connectionTo(t, receiver.url('/quiet'), ['ds_events:r'], false);
    const m = await consentedMember(t, [quiet.nid]);
    await flush();
    await t.ctx.db
      .transaction()
      .execute((trx) => t.ctx.outbox.enqueueConnectionEvent(trx, { uid: m.uid, nid: quiet.nid, event: 'member.deleted' }));
    expect(await flush()).toEqual([
      {
        path: '/quiet',
        method: 'POST',
        type: 'application/json',
        json: {
          type: 'member.deleted',
          uid: String(m.uid),
          connection_id: `${m.uid}-${quiet.nid}`,
          message: `Member ${m.uid} deleted their account; connection ${m.uid}-${quiet.nid} has ended`,
        },
      },
    ]);
    const rows = await outboxRows(t);
    expect(rows.at(-1)).toMatchObject({ kind: 'event', nid: quiet.nid, uid: m.uid, status: 'delivered', payload_enc: null });
  });
});
