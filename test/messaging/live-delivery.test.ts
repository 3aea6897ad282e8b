import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { TestApp } from '../harness.ts';
import { connectionTo, consentedMember, manualOutboxApp, outboxRows, Receiver } from '../outbox/helpers.ts';
import { FakeSmtp } from './fake-smtp.ts';

const LIVE = { OPENPDX_ENV: 'live', OPENPDX_PUBLIC_URL: 'https://pdx.example.org' };

let t: TestApp | undefined;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await t?.close();
  t = undefined;
  for (const c of closers.splice(0)) await c();
});

function capturingLogger(lines: string[]) {
  return pino(
    { level: 'info' },
    new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    }),
  );
}

async function messages(app: TestApp) {
  return app.ctx.db.selectFrom('messages').selectAll().orderBy('id').execute();
}

describe('live callback targets (WH-08)', () => {
  it('refuses a loopback callback address: counted as a failed attempt, nothing sent', async () => {
    const receiver = await Receiver.start();
    closers.push(() => receiver.close());
    const app = (t = await manualOutboxApp({ env: LIVE }));
    // Creation already refuses address hosts in live; a stored one (or a name resolving to one) is caught at delivery.
    const { nid } = await connectionTo(app, 'https://subscriber.example/cb', ['ds_personal_details:rw']);
    await app.ctx.db
      .updateTable('connections')
      .set({ callback_url: `https://127.0.0.1:${receiver.port}/cb` })
      .where('nid', '=', nid)
      .execute();
    await consentedMember(app, [nid]);
    await app.ctx.outbox.runOnce();
    expect(await outboxRows(app)).toMatchObject([
      { status: 'pending', attempts: 1, last_status: null, last_error: 'target address not allowed' },
    ]);
    expect(receiver.requests).toEqual([]);
  });

  it('refuses an http callback in live even if one was stored', async () => {
    const app = (t = await manualOutboxApp({ env: LIVE }));
    const { nid } = await connectionTo(app, 'https://subscriber.example/cb', ['ds_personal_details:rw']);
    await app.ctx.db
      .updateTable('connections')
      .set({ callback_url: 'http://subscriber.example/cb' })
      .where('nid', '=', nid)
      .execute();
    await consentedMember(app, [nid]);
    await app.ctx.outbox.runOnce();
    expect(await outboxRows(app)).toMatchObject([{ attempts: 1, last_error: 'target must use https in live' }]);
  });
});

describe('live email and SMS', () => {
  it('sends email through the configured SMTP server and marks the message sent', async () => {
    const smtp = await FakeSmtp.start();
    closers.push(() => smtp.close());
    const app = (t = await manualOutboxApp({
      env: {
        ...LIVE,
        OPENPDX_SMTP_URL: `smtp://mailer:s3cret@127.0.0.1:${smtp.port}`,
        OPENPDX_MAIL_FROM: 'PDX <pdx@example.org>',
      },
    }));
    const { messageId } = await app.ctx.outbox.enqueueMessage(app.ctx.db, {
      channel: 'email',
      recipient: 'jo@example.org',
      subject: 'Connect your PDS',
      body: 'Open https://pdx.example.org/register/abc',
    });
    expect(await messages(app)).toMatchObject([{ id: messageId, status: 'queued' }]);
    const [queued] = await outboxRows(app);
    expect(queued).toMatchObject({ kind: 'email', method: 'SMTP', target: 'jo@example.org', status: 'pending' });
    expect(queued!.payload_enc).not.toContain('register/abc');

    await app.ctx.outbox.runOnce();
    expect(smtp.mails).toHaveLength(1);
    const mail = smtp.mails[0]!;
    expect(mail.auth).toBe('\0mailer\0s3cret');
    expect(mail.from).toBe('<pdx@example.org>');
    expect(mail.to).toEqual(['<jo@example.org>']);
    expect(mail.data).toContain('Subject: Connect your PDS');
    expect(mail.data).toContain('Open https://pdx.example.org/register/abc');
    expect(await outboxRows(app)).toMatchObject([{ status: 'delivered', attempts: 1, payload_enc: null }]);
    expect(await messages(app)).toMatchObject([{ status: 'sent' }]);
  });

  it('posts SMS as JSON with the bearer token, retrying while the provider fails', async () => {
    const provider = await Receiver.start();
    closers.push(() => provider.close());
    let calls = 0;
    provider.reply = () => ({ status: ++calls === 1 ? 502 : 202 });
    const app = (t = await manualOutboxApp({
      env: { ...LIVE, OPENPDX_SMS_URL: provider.url('/sms'), OPENPDX_SMS_TOKEN: 'sms-token' },
    }));
    await app.ctx.db.transaction().execute((trx) =>
      app.ctx.outbox.enqueueMessage(trx, {
        channel: 'sms',
        recipient: '+447700900123',
        subject: 'unused',
        body: 'Your link: https://x',
      }),
    );
    await app.ctx.outbox.runOnce();
    expect(await outboxRows(app)).toMatchObject([
      { kind: 'sms', status: 'pending', attempts: 1, last_error: 'SMS provider answered HTTP 502' },
    ]);
    expect(await messages(app)).toMatchObject([{ status: 'queued' }]);
    (app as TestApp & { clock: { advance(s: number): void } }).clock.advance(10);
    await app.ctx.outbox.runOnce();
    expect(provider.requests).toHaveLength(2);
    const req = provider.requests[1]!;
    expect(req).toMatchObject({ method: 'POST', url: '/sms' });
    expect(req.headers.authorization).toBe('Bearer sms-token');
    expect(req.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req.body)).toEqual({ to: '+447700900123', body: 'Your link: https://x' });
    expect(await outboxRows(app)).toMatchObject([{ status: 'delivered', attempts: 2, payload_enc: null }]);
    expect(await messages(app)).toMatchObject([{ status: 'sent' }]);
  });

  it('marks a message failed, with the reason, when its channel is not configured, and warns at start', async () => {
    const lines: string[] = [];
    const app = (t = await manualOutboxApp({ env: LIVE, logger: capturingLogger(lines) }));
    expect(lines.join('')).toContain('email is not configured: set OPENPDX_SMTP_URL; such messages will be marked failed');
    expect(lines.join('')).toContain('SMS is not configured: set OPENPDX_SMS_URL');
    await app.ctx.outbox.enqueueMessage(app.ctx.db, {
      channel: 'email',
      recipient: 'jo@example.org',
      subject: 'Hi',
      body: 'secret link',
    });
    expect(await messages(app)).toMatchObject([{ status: 'failed' }]);
    expect(await outboxRows(app)).toMatchObject([
      {
        kind: 'email',
        status: 'dead',
        payload_enc: null,
        attempts: 0,
        last_error: 'email is not configured: set OPENPDX_SMTP_URL',
      },
    ]);
    expect(await app.ctx.outbox.runOnce()).toBe(0);
  });
});
