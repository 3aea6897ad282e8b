/**
 * The acceptance check: a subscriber doing exactly what Mydex's Python examples do, with
 * only the base URLs and credentials changed, gets the documented responses.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../harness.ts';
import { connectMember, createSubscriber, type ConnectedMember, type Subscriber } from '../fixtures.ts';

const run = promisify(execFile);
let t: TestApp;
let sub: Subscriber;
let m: ConnectedMember;
let out: Record<string, { status: number; body: Record<string, unknown> }>;

beforeAll(async () => {
  t = await createTestApp();
  sub = await createSubscriber(t, ['ds_personal_details:rw', 'ds_referrals:rw']);
  m = await connectMember(t.ctx, sub, 'john.citizen');
  const base = await t.listen();
  const { stdout } = await run('python3', [join(import.meta.dirname, 'mydex_examples.py')], {
    env: {
      PATH: process.env.PATH,
      PDX_API: base,
      PDX_OP: base,
      CLIENT_ID: sub.clientId,
      CLIENT_SECRET: sub.clientSecret,
      MEMBER_UID: String(m.uid),
      MEMBER_KEY: m.key,
      CONNECTION_ID: m.conId,
    },
  });
  out = JSON.parse(stdout);
});
afterAll(() => t.close());

describe("Mydex's Python examples against OpenPDX", () => {
  it('get a token and write, update and read metadata', () => {
    expect(out.token).toBe('ok');
    expect(out.write_metadata).toEqual({ status: 200, body: { success: 1 } });
    expect(out.update_metadata).toEqual({ status: 200, body: { success: 1 } });
    const inst = (out.read_metadata!.body as { ds_personal_details: { instance_0: Record<string, { value: string }> } })
      .ds_personal_details.instance_0;
    expect(out.read_metadata!.status).toBe(200);
    expect(inst.field_personal_fname!.value).toBe('John');
    expect(inst.field_personal_title!.value).toBe('Mr');
    expect(inst.field_personal_marital_status!.value).toBe('Divorced');
    expect(inst.field_personal_mobile_phone!.value).toBe('+441234567890');
  });

  it('write one row and a batch, update a row and read them back', () => {
    expect(out.write_transactional!.status).toBe(200);
    expect(out.write_transactional!.body).toEqual({ success: 1, last_insert_id: expect.any(Number) });
    expect(out.write_batch!.status).toBe(200);
    expect((out.write_batch!.body.insert_ids as number[]).length).toBe(2);
    expect(out.update_transactional).toEqual({ status: 200, body: { success: 1 } });
    const rows = Object.values(out.read_transactional!.body) as Record<string, string>[];
    expect(rows.map((r) => r.contact_name).sort()).toEqual(['Jane Smyth', 'Joe Bloggs', 'John Smith']);
    const first = rows.find((r) => r.contact_name === 'John Smith')!;
    expect(first.status).toBe('complete');
    expect(first.id).toBe(first.ds_id);
    expect(JSON.parse(first.referree_availability!)).toEqual({
      AM: ['Monday', 'Friday'],
      PM: ['Monday', 'Tuesday', 'Wednesday'],
    });
  });
});
