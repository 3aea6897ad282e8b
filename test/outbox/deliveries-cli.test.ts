import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { runCli } from '../../src/cli/program.ts';
import type { TestApp } from '../harness.ts';
import { connectionTo, consentedMember, manualOutboxApp, outboxRows, Receiver } from './helpers.ts';

let t: TestApp & { clock: ManualClock };
beforeEach(async () => {
  t = await manualOutboxApp({}, Math.floor(Date.now() / 1000));
});
afterEach(async () => {
  await t.close();
});

/** Runs `openpdx …` in-process on the test app's database. */
async function cli(args: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    io: {
      out: (s) => void (stdout += s),
      err: (s) => void (stderr += s),
      env: {
        OPENPDX_DATABASE_URL: t.ctx.config.databaseUrl,
        OPENPDX_MASTER_KEY: t.ctx.config.masterKey,
        OPENPDX_DATA_DIR: t.dir,
        OPENPDX_PUBLIC_URL: t.ctx.config.publicUrl,
        OPENPDX_LOG_LEVEL: 'silent',
        ...env,
      },
    },
    contextOverrides: {
      logger: pino({ level: 'silent' }),
      databaseOptions: t.ctx.database.pgSchema ? { pgSchema: t.ctx.database.pgSchema } : {},
    },
  });
  return { code, stdout, stderr };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('openpdx admin deliveries', () => {
  it('lists deliveries as JSON, newest first, filtered by status, never with the payload', async () => {
    const port = await Receiver.freePort();
    const { nid } = await connectionTo(t, `http://127.0.0.1:${port}/cb`, ['ds_personal_details:rw']);
    const m = await consentedMember(t, [nid]);
    await t.ctx.outbox.runOnce();
    await t.ctx.members.grants.revoke(m.uid, nid);

    const r = await cli(['admin', 'deliveries', 'list', '--json']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const list = JSON.parse(r.stdout) as Record<string, unknown>[];
    expect(list.map((d) => d.kind)).toEqual(['event', 'callback']);
    expect(list[1]).toEqual({
      id: 1,
      event_id: expect.stringMatching(UUID),
      kind: 'callback',
      nid,
      uid: m.uid,
      method: 'POST',
      target: `http://127.0.0.1:${port}/cb`,
      status: 'pending',
      attempts: 1,
      next_attempt_at: expect.any(Number),
      last_status: null,
      last_error: 'connection refused',
      created_at: t.clock.now(),
      expires_at: t.clock.now() + 86400,
      delivered_at: null,
    });
    expect(r.stdout).not.toContain(m.keys[0]!);
    expect(r.stdout).not.toContain('payload');

    const limited = JSON.parse((await cli(['admin', 'deliveries', 'list', '--limit', '1', '--json'])).stdout) as unknown[];
    expect(limited).toHaveLength(1);
    expect(JSON.parse((await cli(['admin', 'deliveries', 'list', '--status', 'dead', '--json'])).stdout)).toEqual([]);
    expect((await cli(['admin', 'deliveries', 'list', '--status', 'lost'])).code).toBe(2);

    const table = await cli(['admin', 'deliveries', 'list']);
    expect(table.stdout).toMatch(/^id +kind +nid +uid +method +status +attempts +next_attempt +last +target\n2 +event /);
    expect(table.stdout).toContain('connection refused');
  });

  it('makes a pending delivery due now, and refuses one whose payload was erased', async () => {
    const port = await Receiver.freePort();
    const { nid } = await connectionTo(t, `http://127.0.0.1:${port}/cb`, ['ds_personal_details:rw']);
    await consentedMember(t, [nid]);
    await t.ctx.outbox.runOnce();
    const [failed] = await outboxRows(t);
    expect(failed!.next_attempt_at).toBeGreaterThan(Math.floor(Date.now() / 1000));

    const retried = await cli(['admin', 'deliveries', 'retry', '--id', '1', '--json']);
    expect(retried.code).toBe(0);
    const d = JSON.parse(retried.stdout) as Record<string, unknown>;
    expect(d).toMatchObject({ id: 1, status: 'pending', attempts: 1, event_id: failed!.event_id });
    expect(d.next_attempt_at).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    expect(d).not.toHaveProperty('payload_enc');

    // Expire it: dead, payload erased, no way back.
    t.clock.advance(86400 + 60);
    await t.ctx.outbox.runOnce();
    expect(await outboxRows(t)).toMatchObject([{ status: 'dead', payload_enc: null }]);
    const refused = await cli(['admin', 'deliveries', 'retry', '--id', '1']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      'error: Delivery cannot be retried: Delivery 1 is dead and its payload was erased; it can no longer be sent.\n',
    );
    const unknown = await cli(['admin', 'deliveries', 'retry', '--id', '99']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('There is no delivery 99.');
  });
});

describe('openpdx admin outbox', () => {
  it('prints the sandbox messages with their bodies', async () => {
    await t.ctx.outbox.enqueueMessage(t.ctx.db, {
      channel: 'email',
      recipient: 'jo@example.org',
      subject: 'Link',
      body: 'Open https://x/ftc/1',
    });
    const r = await cli(['admin', 'outbox', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([
      {
        id: 1,
        channel: 'email',
        recipient: 'jo@example.org',
        subject: 'Link',
        body: 'Open https://x/ftc/1',
        created_at: t.clock.now(),
      },
    ]);
    const text = await cli(['admin', 'outbox']);
    expect(text.stdout).toMatch(
      /^\d{4}-\d\d-\d\dT[\d:]+Z {2}email to jo@example\.org\n {2}subject: Link\n {2}Open https:\/\/x\/ftc\/1\n$/,
    );
  });
});
